// The table examples end to end: penguins (classification) and cars-mpg (regression) through the real CLI into
// a real MLflow server, read back over REST; the logged model is loaded with tfjs and fed rows encoded by the
// logged preprocessing, as a prediction would be.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node-gpu';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRows, type TablePreprocessing } from '@xp/data';
import { artifact, loggedModelFile, rest, root, runIdFromUrl, xp, type CliResult } from './helpers.js';

interface Run {
  info: { run_id: string; status: string };
  data: { metrics?: { key: string; value: number; step: number }[]; tags?: { key: string; value: string }[] };
  inputs?: { dataset_inputs?: { dataset: { name: string; digest: string; source: string; profile?: string } }[] };
}

interface Example {
  file: string;
  data: string;
  epochs: number;
  task: string;
  history: string[];
  test: string[];
  plots: string[];
  outputs: number;
}

const EXAMPLES: Record<'penguins' | 'cars', Example> = {
  penguins: {
    file: 'experiments/penguins/01-mlp.yaml',
    data: 'node_modules/vega-datasets/data/penguins.json',
    epochs: 25,
    task: 'classification',
    history: ['loss', 'accuracy', 'macro_f1', 'val_loss', 'val_accuracy', 'val_macro_f1'],
    test: ['test_accuracy', 'test_macro_f1', 'test_loss'],
    plots: ['learning_curves.png', 'confusion_matrix.png'],
    outputs: 3,
  },
  cars: {
    file: 'experiments/cars-mpg/01-mlp.yaml',
    data: 'node_modules/vega-datasets/data/cars.json',
    epochs: 40,
    task: 'regression',
    history: ['loss', 'rmse', 'val_loss', 'val_rmse', 'val_mae', 'val_r2'],
    test: ['test_rmse', 'test_mae', 'test_r2'],
    plots: ['learning_curves.png', 'predicted_vs_true.png', 'residuals.png'],
    outputs: 1,
  },
};

describe.each(Object.entries(EXAMPLES))('table example %s through xp run into MLflow', (_name, ex) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let cli: CliResult;
  let seconds: number;
  let runId: string;
  let run: Run;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-table-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    const started = performance.now();
    cli = await xp(['run', ex.file], { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state') });
    seconds = (performance.now() - started) / 1000;
    if (cli.code !== 0) throw new Error(`xp run ${ex.file} failed (${cli.code}):\n${cli.stderr}`);
    runId = runIdFromUrl(cli.stdout);
    run = (await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run;
  });

  afterAll(async () => {
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finishes, tagged with the task', () => {
    expect(run.info.status).toBe('FINISHED');
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['xp.task']).toBe(ex.task);
    expect(tags['xp.dataset']).toBe('table');
    expect(tags['xp.model']).toBe('mlp');
    // The bar for penguins is a minute on a clean clone; with the server already up it takes seconds.
    if (ex.task === 'classification') expect(seconds).toBeLessThan(60);
  });

  it("logs the task's metrics with one step per epoch, and the test metrics", async () => {
    for (const key of ex.history) {
      const h = await rest<{ metrics: { step: number; value: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(key)}`);
      expect(h.metrics.map((m) => m.step).sort((a, b) => a - b), key).toEqual(Array.from({ length: ex.epochs }, (_, i) => i));
      for (const m of h.metrics) expect(Number.isFinite(m.value)).toBe(true);
    }
    const latest = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    for (const key of ex.test) expect(Number.isFinite(latest[key]), key).toBe(true);
    if (ex.task === 'classification') {
      expect(latest.test_accuracy).toBeGreaterThan(0.9);
      expect(latest.test_macro_f1).toBeGreaterThan(0.9);
    } else {
      expect(latest.test_rmse).toBeLessThan(5); // miles per gallon; the target's std is about 7.5
      expect(latest.test_r2).toBeGreaterThan(0.6);
    }
  });

  it('uploads its plots as PNGs', async () => {
    for (const p of ex.plots) expect((await artifact(server.url, runId, `plots/${p}`)).subarray(1, 4).toString(), p).toBe('PNG');
  });

  it('logs the table as a dataset input with its digest and profile', () => {
    const ds = run.inputs?.dataset_inputs ?? [];
    expect(ds.length).toBe(1);
    expect(ds[0].dataset.name).toBe('table');
    expect(ds[0].dataset.digest).toMatch(/^[0-9a-f]{32}$/);
    expect(ds[0].dataset.source).toContain(ex.data);
    const sha = JSON.parse(ds[0].dataset.profile ?? '{}').file_sha256;
    expect(sha).toBe(sha256(path.join(root, ex.data)));
  });

  it('logs a model that loads and predicts from rows encoded with the logged preprocessing', async () => {
    const dir = path.join(tmp, 'model');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['model.json', 'weights.bin', 'preprocessing.json']) fs.writeFileSync(path.join(dir, f), await loggedModelFile(server.url, runId, f));
    const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as TablePreprocessing;
    const rows = (JSON.parse(fs.readFileSync(path.join(root, ex.data), 'utf8')) as Record<string, unknown>[]).filter((r) => r[pre.target.name] != null);
    // Rows with a missing feature cannot be encoded under missing: drop; the others can, unseen categories included.
    const usable = rows.filter((r) => pre.missing !== 'drop' || pre.columns.every((c) => r[c.name] != null)).slice(0, 8);
    const xs = encodeRows(pre, usable);
    const model = await tf.loadLayersModel(`file://${dir}/model.json`);
    expect(model.inputs[0].shape).toEqual([null, pre.encoded.length]);
    const out = model.predict(tf.tensor2d(xs, [usable.length, pre.encoded.length])) as tf.Tensor;
    expect(out.shape).toEqual([usable.length, ex.outputs]);
    const values = out.arraySync() as number[][];
    if (pre.target.kind === 'categorical') {
      const { classes } = pre.target;
      const predicted = values.map((v) => classes[v.indexOf(Math.max(...v))]);
      // The first rows of the file are easy Adelie penguins: a trained model gets most of them right.
      expect(predicted.filter((c, i) => c === usable[i][pre.target.name]).length).toBeGreaterThanOrEqual(6);
    } else {
      const { mean, std } = pre.target;
      const mpg = values.map((v) => v[0] * std + mean);
      const errors = mpg.map((m, i) => Math.abs(m - (usable[i][pre.target.name] as number)));
      expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(6);
    }
    tf.dispose(out);
    model.dispose();
  });
});

/** sha256 of a file, hex. */
function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
