// `layers` models (architectures written as YAML layer lists) train through the real CLI into a real MLflow
// server: the ResNet-20 preset on `mnist`, and mnist-seq's ResNet-style step (residual blocks, then `slots`) on
// `mnist_sequences`. Tiny counts and one epoch: these check that the runs work, not how well they learn.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node-gpu';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedModelFile, rest, runIdFromUrl, xp } from './helpers.js';

interface Run {
  info: { run_id: string; status: string };
  data: { tags?: { key: string; value: string }[]; metrics?: { key: string; value: number; step: number }[]; params?: { key: string; value: string }[] };
}

let server: Awaited<ReturnType<typeof startServer>>;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-layers-'));
  server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `xp run file` with `sets` as --set overrides and reads the run back. */
async function runAndRead(file: string, sets: string[]) {
  const env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state') };
  const cli = await xp(['run', file, '--set', 'experiment=xp-e2e-layers', ...sets.flatMap((s) => ['--set', s])], env, 600_000);
  if (cli.code !== 0) throw new Error(`xp run ${file} failed (${cli.code}):\n${cli.stderr}`);
  const runId = runIdFromUrl(cli.stdout);
  const { run } = await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`);
  return { runId, run };
}

/** Asserts the run FINISHED with one finite value per epoch of each `perEpoch` metric and the `final` ones. */
async function expectFinished(runId: string, run: Run, perEpoch: string[], final: string[]) {
  expect(run.info.status).toBe('FINISHED');
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  expect(tags['xp.model']).toBe('layers');
  for (const key of perEpoch) {
    const h = await rest<{ metrics: { step: number; value: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${key}`);
    expect(h.metrics.map((m) => m.step), key).toEqual([0]);
    expect(Number.isFinite(h.metrics[0].value), key).toBe(true);
  }
  const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
  for (const key of final) expect(Number.isFinite(metrics[key]), key).toBe(true);
  return tags;
}

/** The logged model, loaded back with tfjs. */
async function loggedModel(runId: string): Promise<tf.LayersModel> {
  const dir = path.join(tmp, `model-${runId}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) fs.writeFileSync(path.join(dir, f), await loggedModelFile(server.url, runId, f));
  return tf.loadLayersModel(`file://${dir}/model.json`);
}

describe('layers models train through the CLI into MLflow', () => {
  it('xp validate --summary prints the ResNet-20 preset layer by layer', async () => {
    const r = await xp(['validate', '--summary', 'experiments/architectures/resnet-20.yaml'], { MLFLOW_TRACKING_URI: server.url });
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n');
    expect(rows[0]).toMatch(/^experiments\/architectures\/resnet-20\.yaml: ok \(resnet-20, data mnist, model layers, config [0-9a-f]+\)$/);
    for (const row of [
      /^stem \(Conv2D\) +\[null, 28, 28, 16\] +144$/,
      /^stage2_down_projection \(Conv2D\) +\[null, 14, 14, 32\] +544$/,
      /^stage3_1 \(Add\) +\[null, 7, 7, 64\] +0$/,
      /^pool \(GlobalAveragePooling2D\) +\[null, 64\] +0$/,
      /^Total params: 273,466$/,
    ]) {
      expect(rows.some((l) => row.test(l)), String(row)).toBe(true);
    }
  });

  it('the ResNet-20 preset on mnist (a subset, one epoch)', async () => {
    const { runId, run } = await runAndRead('experiments/architectures/resnet-20.yaml', [
      'data.train.count=512', 'data.test.count=128', 'training.epochs=1', 'training.batch_size=64',
    ]);
    await expectFinished(runId, run, ['loss', 'accuracy', 'val_loss', 'val_accuracy'], ['test_accuracy', 'test_macro_f1']);
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params['model.type']).toBe('layers');
    const model = await loggedModel(runId);
    // The residual blocks and their projections came through under their YAML names.
    expect(model.getLayer('stage2_down_projection').outputShape).toEqual([null, 14, 14, 32]);
    expect(model.getLayer('stage3_1').getClassName()).toBe('Add');
    expect(model.countParams()).toBe(273_466);
    const out = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    expect(out.shape).toEqual([2, 10]);
    tf.dispose(out);
    model.dispose();
  });

  it('mnist-seq 08-resnet (residual blocks, then slots) on a few sequences, one epoch', async () => {
    const { runId, run } = await runAndRead('experiments/mnist-seq/08-resnet.yaml', [
      'data.train.count=256', 'data.val.count=64', 'data.test.count=64', 'training.epochs=1', 'training.batch_size=32',
    ]);
    await expectFinished(runId, run, ['loss', 'exact_match', 'val_loss', 'val_exact_match'], ['test_exact_match', 'test_pos0_acc']);
    const model = await loggedModel(runId);
    expect(model.getLayer('slots_features').outputShape).toEqual([null, 3, 64]);
    const out = model.predict(tf.zeros([2, 28, 84, 1])) as tf.Tensor;
    expect(out.shape).toEqual([2, 3, 11]);
    tf.dispose(out);
    model.dispose();
  });
});
