import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node-gpu';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, loggedModelFile, rest, runIdFromUrl, xp } from './helpers.js';

interface Run {
  info: { run_id: string; status: string; experiment_id: string; run_name: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: { key: string; value: number; step: number }[] };
  inputs?: { dataset_inputs?: { dataset: { name: string; digest: string } }[] };
}

describe('xp run against a real MLflow server (sqlite store)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let runId = '';
  let cli: Awaited<ReturnType<typeof xp>>;
  let run: Run;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    cli = await xp(['run', 'test/fixtures/tiny.yaml', '--set', 'training.epochs=2', '--set', 'tracking.system_metrics.every_s=0.5'], {
      MLFLOW_TRACKING_URI: server.url,
      XP_STATE_DIR: path.join(tmp, 'state'),
    });
    if (cli.code !== 0) throw new Error(`xp run failed (${cli.code}):\n${cli.stderr}`);
    runId = runIdFromUrl(cli.stdout);
    run = (await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run;
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints the run URL and trains on the native TensorFlow backend', () => {
    expect(cli.stdout.trim()).toMatch(new RegExp(`^${server.url}/#/experiments/\\d+/runs/${runId}\\?workflowType=machine_learning$`));
    expect(cli.stderr).toMatch(/backend: tensorflow \(native TensorFlow 2\.\d+/);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['xp.backend']).toBe('tensorflow');
    expect(tags['xp.precision']).toBe('float32'); // training.precision's default
    expect(tags['xp.conv_kernel']).toBe('separate'); // training.conv_kernel's default
    // The baseline CNN has no layer without a native op: the step says so, and so does the tag.
    expect(cli.stderr).toContain('training step: every layer on native TensorFlow kernels\n');
    expect(tags['xp.tfjs_layers']).toBe('none');
  });

  it('ends FINISHED with the YAML name, note and standard tags', () => {
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.run_name).toBe('e2e-tiny');
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['mlflow.note.content']).toBe('e2e tiny run');
    expect(tags['mlflow.source.type']).toBe('LOCAL');
    expect(tags['mlflow.source.name']).toContain('tiny.yaml');
    expect(tags['mlflow.user']).toBeTruthy();
    expect(tags['xp.config_hash']).toMatch(/^[0-9a-f]{12}$/);
  });

  it('logs the flattened resolved config as params, overrides applied', () => {
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params['training.epochs']).toBe('2');
    expect(params['data.train.count']).toBe('512');
    expect(params['model.type']).toBe('baseline-cnn');
    expect(params['model.filters']).toBe('[32,64]');
    expect(params['training.optimizer.learning_rate']).toBe('0.001');
    expect(params['training.conv_kernel']).toBe('separate');
  });

  it('trains in mixed_bfloat16 with fused convolutions (conv_kernel auto), and records both', async () => {
    const sets = ['training.epochs=1', 'training.precision=mixed_bfloat16', 'training.precision_fallback=error', 'training.conv_kernel=auto'];
    const bf16 = await xp(['run', 'test/fixtures/tiny.yaml', ...sets.flatMap((s) => ['--set', s])], {
      MLFLOW_TRACKING_URI: server.url,
      XP_STATE_DIR: path.join(tmp, 'state-bf16'),
    });
    expect(bf16.code, bf16.stderr).toBe(0);
    const r = (await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runIdFromUrl(bf16.stdout)}`)).run;
    const tags = Object.fromEntries((r.data.tags ?? []).map((t) => [t.key, t.value]));
    const params = Object.fromEntries((r.data.params ?? []).map((p) => [p.key, p.value]));
    expect([r.info.status, tags['xp.precision'], tags['xp.conv_kernel'], params['training.conv_kernel']]).toEqual(['FINISHED', 'mixed_bfloat16', 'fused', 'auto']);
    const loss = (r.data.metrics ?? []).find((m) => m.key === 'loss');
    expect(Number.isFinite(loss?.value)).toBe(true);
  });

  it('logs one metric point per epoch with steps, for train and val', async () => {
    for (const key of ['loss', 'exact_match', 'val_loss', 'val_exact_match', 'lr']) {
      const h = await rest<{ metrics: { step: number; value: number }[] }>(
        server.url,
        `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${key}`,
      );
      expect(h.metrics.map((m) => m.step).sort()).toEqual([0, 1]);
      for (const m of h.metrics) expect(Number.isFinite(m.value)).toBe(true);
    }
    const keys = (run.data.metrics ?? []).map((m) => m.key);
    expect(keys).toEqual(expect.arrayContaining(['test_exact_match', 'test_length_acc', 'test_pos0_acc', 'train_val_gap']));
  });

  it('logs system metrics under MLflow’s names while training, one step per sample', async () => {
    const history = async (key: string) =>
      (await rest<{ metrics?: { step: number; value: number; timestamp: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(key)}`)).metrics ?? [];
    const cpu = await history('system/cpu_utilization_percentage');
    expect(cpu.length).toBeGreaterThanOrEqual(1);
    expect(cpu.map((m) => m.step).sort((a, b) => a - b)).toEqual([...cpu.keys()]);
    for (const m of cpu) {
      expect(m.value).toBeGreaterThanOrEqual(0);
      expect(m.value).toBeLessThanOrEqual(100);
    }
    const used = await history('system/system_memory_usage_megabytes');
    expect(used).toHaveLength(cpu.length);
    expect(Math.abs(used[0].value - (os.totalmem() - os.freemem()) / 1e6)).toBeLessThan((os.totalmem() / 1e6) * 0.5);
    const rss = await history('system/process_rss_megabytes');
    // A process that loaded TensorFlow holds well over 50 MB.
    expect(rss[0].value).toBeGreaterThan(50);
    const percent = await history('system/system_memory_usage_percentage');
    expect(percent[0].value).toBeGreaterThan(0);
    expect(percent[0].value).toBeLessThanOrEqual(100);
  });

  it('logs the dataset as an input with its digest', () => {
    const ds = run.inputs?.dataset_inputs ?? [];
    expect(ds.length).toBe(1);
    expect(ds[0].dataset.name).toBe('mnist_sequences');
    expect(ds[0].dataset.digest).toMatch(/^[0-9a-f]{8,}$/);
  });

  it('uploads the artifacts, downloadable through the server', async () => {
    const list = await rest<{ files?: { path: string }[] }>(server.url, `/api/2.0/mlflow/artifacts/list?run_id=${runId}`);
    const top = (list.files ?? []).map((f) => f.path);
    expect(top).toEqual(expect.arrayContaining(['config.resolved.yaml', 'model', 'metrics', 'plots']));
    const plots = await rest<{ files?: { path: string }[] }>(server.url, `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=plots`);
    const names = (plots.files ?? []).map((f) => f.path);
    for (const p of ['plots/learning_curves.png', 'plots/lr_schedule.png', 'plots/confusion_pos0.png', 'plots/misclassified.png']) {
      expect(names).toContain(p);
      const png = await artifact(server.url, runId, p);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
    const yaml = (await artifact(server.url, runId, 'config.resolved.yaml')).toString();
    expect(yaml).toContain('name: e2e-tiny');
    expect(yaml).toContain('epochs: 2');
    const test = JSON.parse((await artifact(server.url, runId, 'metrics/test.json')).toString());
    expect(test.count).toBe(256);
    expect(test.exact_match).toBeGreaterThanOrEqual(0);
    expect(Object.keys(test.per_position_acc)).toEqual(['pos0', 'pos1', 'pos2']);
    expect(test.metrics.test_exact_match).toBe(test.exact_match);
  });

  it('logs a model that tf.loadLayersModel loads and that predicts [B,3,11]', async () => {
    const dir = path.join(tmp, 'model');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['model.json', 'weights.bin']) fs.writeFileSync(path.join(dir, f), await loggedModelFile(server.url, runId, f));
    const model = await tf.loadLayersModel(`file://${dir}/model.json`);
    const out = model.predict(tf.zeros([2, 28, 84, 1])) as tf.Tensor;
    expect(out.shape).toEqual([2, 3, 11]);
    expect(tf.getBackend()).toBe('tensorflow');
    tf.dispose([out]);
    model.dispose();
  });
});
