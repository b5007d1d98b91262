// The image dataset types end to end: one `image_folder` run on a PNG tree this test writes and one small
// `mnist` run, each through the real CLI into a real MLflow server (sqlite store). Each must finish, log the
// classification metrics with steps, its plots, the dataset input with its digest, and a model that loads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node-gpu';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, loggedModelFile, rest, runIdFromUrl, xp } from './helpers.js';

interface Run {
  info: { run_id: string; status: string };
  data: { tags?: { key: string; value: string }[]; metrics?: { key: string; value: number; step: number }[] };
  inputs?: { dataset_inputs?: { dataset: { name: string; digest: string; source: string } }[] };
}

let server: Awaited<ReturnType<typeof startServer>>;
let tmp: string;
let env: Record<string, string>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-images-'));
  server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state') };
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `xp run file …args`, then reads the run back. */
async function runAndRead(file: string, args: string[] = []) {
  const cli = await xp(['run', file, ...args], env);
  if (cli.code !== 0) throw new Error(`xp run ${file} failed (${cli.code}):\n${cli.stderr}`);
  const runId = runIdFromUrl(cli.stdout);
  const { run } = await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`);
  return { runId, run, cli };
}

/** The checks every image classification run must pass. */
async function expectClassificationRun(runId: string, run: Run, o: { dataset: string; epochs: number; input: number[]; classes: number }) {
  expect(run.info.status).toBe('FINISHED');
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  expect(tags['xp.task']).toBe('classification');
  expect(tags['xp.headline_metric']).toBe('val_accuracy');

  for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
    const h = await rest<{ metrics: { step: number; value: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${key}`);
    expect(h.metrics.map((m) => m.step).sort()).toEqual([...Array(o.epochs).keys()]);
    for (const m of h.metrics) expect(Number.isFinite(m.value)).toBe(true);
  }
  const keys = (run.data.metrics ?? []).map((m) => m.key);
  expect(keys).toEqual(expect.arrayContaining(['test_accuracy', 'test_macro_f1']));

  const ds = run.inputs?.dataset_inputs ?? [];
  expect(ds.length).toBe(1);
  expect(ds[0].dataset.name).toContain(o.dataset);
  expect(ds[0].dataset.digest).toMatch(/^[0-9a-f]{8,}$/);

  const plots = await rest<{ files?: { path: string }[] }>(server.url, `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=plots`);
  const names = (plots.files ?? []).map((f) => f.path);
  for (const p of ['plots/learning_curves.png', 'plots/confusion_matrix.png', 'plots/misclassified.png']) {
    expect(names).toContain(p);
    expect((await artifact(server.url, runId, p)).subarray(1, 4).toString()).toBe('PNG');
  }

  const dir = path.join(tmp, `model-${runId}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) fs.writeFileSync(path.join(dir, f), await loggedModelFile(server.url, runId, f));
  const model = await tf.loadLayersModel(`file://${dir}/model.json`);
  const out = model.predict(tf.zeros([3, ...o.input])) as tf.Tensor;
  expect(out.shape).toEqual([3, o.classes]);
  tf.dispose(out);
  model.dispose();
}

describe('image datasets through the CLI into MLflow', () => {
  it('image_folder: a PNG tree in class folders trains, evaluates and logs', async () => {
    // Three classes of 16×16 RGB images told apart by colour and a stripe, 20 per class.
    const data = path.join(tmp, 'shapes');
    const colours: Record<string, [number, number, number]> = { blue: [20, 40, 220], green: [30, 200, 40], red: [220, 30, 30] };
    for (const [name, rgb] of Object.entries(colours)) {
      fs.mkdirSync(path.join(data, name), { recursive: true });
      for (let i = 0; i < 20; i++) {
        const img = tf.tidy(() => {
          const base = tf.mul(tf.ones([16, 16, 3]), tf.tensor1d(rgb));
          const noise = tf.randomUniform([16, 16, 3], -30, 30, 'float32', i);
          return tf.clipByValue(tf.add(base, noise), 0, 255).toInt() as tf.Tensor3D;
        });
        fs.writeFileSync(path.join(data, name, `${i}.png`), await tf.node.encodePng(img));
        img.dispose();
      }
    }
    // No `task:`: a class target is learned by the classification task, as a user's 10-line file expects.
    const file = path.join(tmp, 'image-folder.yaml');
    fs.writeFileSync(
      file,
      [
        'name: e2e-image-folder',
        'experiment: xp-e2e-images',
        `data: { type: image_folder, path: ./shapes, image: { height: 16, width: 16, channels: 3 }, val_fraction: 0.2, test_fraction: 0.2 }`,
        'model: { type: baseline-cnn, filters: [8, 16], dense_units: 16 }',
        'training: { epochs: 2, batch_size: 8 }',
        'evaluation: { misclassified_grid: 8 }',
      ].join('\n'),
    );
    const { runId, run } = await runAndRead(file);
    await expectClassificationRun(runId, run, { dataset: 'image_folder', epochs: 2, input: [16, 16, 3], classes: 3 });
  });

  it('mnist: a small subset trains, evaluates and logs', async () => {
    const file = path.join(tmp, 'mnist.yaml');
    fs.writeFileSync(
      file,
      [
        'name: e2e-mnist',
        'experiment: xp-e2e-images',
        'data: { type: mnist, val_fraction: 0.01 }',
        'task: classification',
        'model: { type: baseline-cnn, filters: [8, 16], dense_units: 32 }',
        'training: { epochs: 1, batch_size: 64 }',
      ].join('\n'),
    );
    // The subsets come from --set, as a user would shorten a run.
    const { runId, run } = await runAndRead(file, ['--set', 'data.train.count=1024', '--set', 'data.test.count=256', '--set', 'training.epochs=2']);
    await expectClassificationRun(runId, run, { dataset: 'mnist', epochs: 2, input: [28, 28, 1], classes: 10 });
    const test = JSON.parse((await artifact(server.url, runId, 'metrics/test.json')).toString());
    expect(test.count).toBe(256);
  });
});
