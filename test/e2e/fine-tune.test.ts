// Transfer learning against a real MLflow server: a tiny MNIST run, then a fine-tune that starts from it with
// `--set model.init_from=runs:/<id>` (and from the registered model, models:/<name>@<alias>). Before its first update the fine-tune measures the validation split
// (logged as init_val_* at step 0) and must stand where its source ended; with `model.freeze` the frozen
// layers' weights in its logged model are bit for bit the source's. A run without a model, or no such run,
// is a config error (exit 2) naming model.init_from, before any run is created.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, loggedModelFile, rest, runIdFromUrl, xp, xpStderrLines } from './helpers.js';

const SOURCE = 'test/fixtures/fine-tune/source.yaml';
const FINE_TUNE = 'test/fixtures/fine-tune/fine-tune.yaml';

type RunData = { info: { experiment_id: string }; data: { metrics?: { key: string; value: number; step: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] } };

interface Manifest {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

/** The raw bytes of each weight of a run's logged model (its model.json + weights.bin), by name. */
async function weightBytes(base: string, runId: string): Promise<Map<string, Buffer>> {
  const manifest = JSON.parse((await loggedModelFile(base, runId, 'model.json')).toString('utf8')) as Manifest;
  const bin = await loggedModelFile(base, runId, 'weights.bin');
  const out = new Map<string, Buffer>();
  let offset = 0;
  for (const w of manifest.weightsManifest.flatMap((g) => g.weights)) {
    expect(w.dtype).toBe('float32');
    const bytes = w.shape.reduce((a, b) => a * b, 1) * 4;
    out.set(w.name, bin.subarray(offset, offset + bytes));
    offset += bytes;
  }
  expect(offset).toBe(bin.length);
  return out;
}

describe('fine-tuning from an earlier run (model.init_from, model.freeze) against a real MLflow server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let env: Record<string, string>;
  let sourceId = '';
  const getRun = async (id: string) => (await rest<{ run: RunData }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${id}`)).run;
  const metric = (r: RunData, key: string) => r.data.metrics?.find((m) => m.key === key)?.value;
  const history = async (id: string, key: string) =>
    (await rest<{ metrics?: { value: number; step: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${id}&metric_key=${key}`)).metrics ?? [];
  const runOk = async (args: string[]) => {
    const r = await xp(['run', ...args], env, 400_000);
    if (r.code !== 0) throw new Error(`xp run ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return { id: runIdFromUrl(r.stdout), stderr: r.stderr };
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-fine-tune-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state'), XP_MODEL_CACHE: path.join(tmp, 'models') };
    // Registered from the command line, so that the fine-tunes (which extend the source file) do not move the alias.
    sourceId = (await runOk([SOURCE, '--set', 'mlflow.register={name: xp-e2e-fine-tune-source, alias: champion}'])).id;
  }, 500_000);

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('starts at the source run\'s validation accuracy before its first update, and is tagged and reported', async () => {
    const { id, stderr } = await runOk([FINE_TUNE, '--set', `model.init_from=runs:/${sourceId}`]);
    const source = await getRun(sourceId);
    const sourceVal = (await history(sourceId, 'val_accuracy')).sort((a, b) => a.step - b.step).at(-1)!.value;
    expect(sourceVal).toBeGreaterThan(0.8); // the source learned something, so agreement is not chance
    const run = await getRun(id);
    const start = await history(id, 'init_val_accuracy');
    expect(start.map((m) => m.step)).toEqual([0]);
    expect(Math.abs(start[0].value - sourceVal)).toBeLessThanOrEqual(0.005);
    // A fresh model of the same seed would start near 10 %.
    expect(metric(run, 'init_val_loss')).toBeLessThan(1);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['xp.init_from']).toBe(`runs:/${sourceId}`);
    expect(tags['xp.init_from.run_id']).toBe(sourceId);
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params['model.init_from']).toBe(`runs:/${sourceId}`);
    expect(params['init_from.skipped']).toBe('0');
    expect(params['init_from.new']).toBe('0');
    const report = JSON.parse((await artifact(server.url, id, 'init_from.json')).toString('utf8')) as { ref: string; runId: string; loaded: string[]; skipped: unknown[] };
    expect(report.ref).toBe(`runs:/${sourceId}`);
    expect(report.runId).toBe(sourceId);
    expect(report.loaded).toEqual(expect.arrayContaining(['conv_0/kernel', 'conv_1/bias', 'dense/kernel']));
    expect(params['init_from.loaded']).toBe(String(report.loaded.length));
    expect(xpStderrLines(stderr)).toContain(`init_from runs:/${sourceId}: loaded ${report.loaded.length} of ${report.loaded.length} weights (layers conv_0, conv_1, dense, ${report.loaded.at(-1)!.split('/')[0]})`);
    expect(source.info.experiment_id).toBe(run.info.experiment_id);
    expect(xpStderrLines(stderr)).toContain(`init_from: before training, val_accuracy ${start[0].value.toFixed(4)}, val_loss ${metric(run, 'init_val_loss')!.toFixed(4)} (logged as init_val_* at step 0)`);
  }, 500_000);

  it('with model.freeze (source: models:/<name>@<alias>) the frozen layers are bit-identical to the source after training; the others moved', async () => {
    const { id, stderr } = await runOk([FINE_TUNE, '--set', 'model.init_from=models:/xp-e2e-fine-tune-source@champion', '--set', 'model.freeze=[conv_*]']);
    expect(stderr).toContain('model.freeze: layers conv_0, conv_1 are not trained');
    const tags = Object.fromEntries(((await getRun(id)).data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['xp.init_from']).toBe('models:/xp-e2e-fine-tune-source@champion');
    expect(tags['xp.init_from.run_id']).toBe(sourceId);
    expect(tags['xp.init_from.model_id']).toMatch(/^m-[0-9a-f]+$/);
    const [before, after] = await Promise.all([weightBytes(server.url, sourceId), weightBytes(server.url, id)]);
    for (const name of ['conv_0/kernel', 'conv_0/bias', 'conv_1/kernel', 'conv_1/bias']) expect(after.get(name)!.equals(before.get(name)!), name).toBe(true);
    for (const name of ['dense/kernel', 'dense/bias']) expect(after.get(name)!.equals(before.get(name)!), name).toBe(false);
  }, 500_000);

  it('a run that has no model, or no such run, is a config error at model.init_from (exit 2) and creates no run', async () => {
    const { id: bare } = await runOk([SOURCE, '--set', 'mlflow.log_model=false', '--set', 'training.epochs=1', '--set', 'data.train.count=256']);
    const before = (await rest<{ runs?: unknown[] }>(server.url, '/api/2.0/mlflow/runs/search', { experiment_ids: [(await getRun(bare)).info.experiment_id], max_results: 100 })).runs ?? [];
    for (const cmd of ['validate', 'run']) {
      const r = await xp([cmd, FINE_TUNE, '--set', `model.init_from=runs:/${bare}`], env, 200_000);
      expect(r.code, r.stderr).toBe(2);
      // `xp run` says what it downloads first (what there was of model/); validate only reports.
      const lines = xpStderrLines(r.stderr);
      if (cmd === 'run') expect(lines.shift()).toBe(`downloading model/ of run ${bare} from ${server.url}`);
      expect(lines).toEqual([
        `--set model.init_from=runs:/${bare}: model.init_from runs:/${bare}: the run has no model (no logged model, no model/model.json): it ran with mlflow.log_model: false or ended before saving it; start from a run that finished with its model`,
      ]);
    }
    const missing = '0123456789abcdef0123456789abcdef';
    const r = await xp(['validate', FINE_TUNE, '--set', `model.init_from=runs:/${missing}`], env, 200_000);
    expect(r.code, r.stderr).toBe(2);
    expect(xpStderrLines(r.stderr)).toEqual([`--set model.init_from=runs:/${missing}: model.init_from runs:/${missing}: no MLflow run ${missing} on ${server.url}`]);
    const after = (await rest<{ runs?: unknown[] }>(server.url, '/api/2.0/mlflow/runs/search', { experiment_ids: [(await getRun(bare)).info.experiment_id], max_results: 100 })).runs ?? [];
    expect(after.length).toBe(before.length);
  }, 500_000);
});
