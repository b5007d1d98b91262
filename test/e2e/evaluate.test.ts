// `xp evaluate` against a real MLflow server: a tiny run registers its model; `xp evaluate models:/<name>@<alias>`
// on the same experiment's test split logs an evaluation run whose metrics are the training run's test metrics,
// value for value, each carrying the model's id (so the LoggedModel lists them), with the task's plots and
// report, the dataset (context `evaluation`) and the model as the run's inputs. A split the data lacks is refused
// with exit 2 before any run exists. An outage while the evaluation is logged loses nothing: `xp sync` sends it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, rest, runIdFromUrl, xp, xpStderrLines } from './helpers.js';
import { startOutageProxy } from './outage-proxy.js';

interface Run {
  info: { run_id: string; run_name: string; status: string; experiment_id: string };
  data: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
  inputs?: { dataset_inputs?: { dataset: { name: string; digest: string }; tags?: { key: string; value: string }[] }[]; model_inputs?: { model_id: string }[] };
}
interface LoggedModel {
  info: { model_id: string; source_run_id: string };
  data: { metrics?: { key: string; value: number; run_id: string; model_id?: string; dataset_name?: string; dataset_digest?: string }[] };
}

const kv = (list: { key: string; value: string }[] | undefined) => Object.fromEntries((list ?? []).map((x) => [x.key, x.value]));
const testMetrics = (run: Run) => Object.fromEntries((run.data.metrics ?? []).filter((m) => m.key.startsWith('test_')).map((m) => [m.key, m.value]));

describe('xp evaluate against a real MLflow server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let env: Record<string, string>;
  let trained: Run;
  let evaluated: Run;
  let model: LoggedModel;
  let stderr: string;

  const getRun = async (id: string) => (await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${id}`)).run;
  const runCount = async (experimentId: string) =>
    ((await rest<{ runs?: unknown[] }>(server.url, '/api/2.0/mlflow/runs/search', { experiment_ids: [experimentId], max_results: 1000 })).runs ?? []).length;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-evaluate-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state'), XP_MODEL_CACHE: path.join(tmp, 'models') };
    const run = await xp(['run', 'test/fixtures/tiny-register.yaml', '--set', 'training.epochs=1'], env);
    if (run.code !== 0) throw new Error(`xp run failed (${run.code}):\n${run.stderr}`);
    trained = await getRun(runIdFromUrl(run.stdout));
    const ev = await xp(['evaluate', 'models:/xp-e2e-digits@champion', 'test/fixtures/tiny-register.yaml'], env);
    if (ev.code !== 0) throw new Error(`xp evaluate failed (${ev.code}):\n${ev.stderr}`);
    stderr = ev.stderr;
    evaluated = await getRun(runIdFromUrl(ev.stdout));
    const models = (await rest<{ models: LoggedModel[] }>(server.url, '/api/2.0/mlflow/logged-models/search', { experiment_ids: [trained.info.experiment_id] })).models;
    if (models.length !== 1) throw new Error(`expected one logged model, MLflow has ${models.length}`);
    model = models[0];
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('logs a FINISHED evaluation run in the experiment, naming the model it scored and the split', () => {
    expect(evaluated.info.status).toBe('FINISHED');
    expect(evaluated.info.run_name).toBe('e2e-tiny-register-evaluation');
    expect(evaluated.info.experiment_id).toBe(trained.info.experiment_id);
    expect(evaluated.info.run_id).not.toBe(trained.info.run_id);
    const id = model.info.model_id;
    expect(model.info.source_run_id).toBe(trained.info.run_id);
    expect(kv(evaluated.data.tags)).toMatchObject({
      'xp.evaluation.model': 'models:/xp-e2e-digits@champion',
      'xp.evaluation.model_id': id,
      'xp.evaluation.source_run_id': trained.info.run_id,
      'xp.evaluation.split': 'test',
    });
    expect(kv(evaluated.data.params)).toMatchObject({ model: 'models:/xp-e2e-digits@champion', model_id: id, split: 'test', 'data.test.count': '256' });
    expect(stderr).toMatch(/^test: exact match [\d.]+ % on 256 sequences$/m);
  });

  it("its metrics are the training run's test metrics for the same model and data, value for value", () => {
    const want = testMetrics(trained);
    expect(Object.keys(want)).toEqual(expect.arrayContaining(['test_exact_match', 'test_loss', 'test_digit_acc']));
    expect(testMetrics(evaluated)).toEqual(want);
    // Nothing else was logged as a metric: no training, no epochs.
    expect((evaluated.data.metrics ?? []).map((m) => m.key).sort()).toEqual(Object.keys(want).sort());
  });

  it("each metric carries the model's id and the test dataset, so the LoggedModel lists the evaluation's scores", () => {
    const id = model.info.model_id;
    const fromEval = (model.data.metrics ?? []).filter((m) => m.run_id === evaluated.info.run_id);
    expect(Object.fromEntries(fromEval.map((m) => [m.key, m.value]))).toEqual(testMetrics(trained));
    const dataset = evaluated.inputs?.dataset_inputs?.[0]?.dataset;
    for (const m of fromEval) expect([m.model_id, m.dataset_name, m.dataset_digest]).toEqual([id, 'mnist_sequences', dataset?.digest]);
  });

  it('has the dataset (context evaluation) and the model as its inputs', () => {
    const inputs = evaluated.inputs?.dataset_inputs ?? [];
    expect(inputs.map((i) => [i.dataset.name, kv(i.tags)['mlflow.data.context']])).toEqual([['mnist_sequences', 'evaluation']]);
    // The same data as training: the same dataset digest.
    expect(inputs[0].dataset.digest).toBe(trained.inputs?.dataset_inputs?.[0]?.dataset.digest);
    expect(evaluated.inputs?.model_inputs?.map((m) => m.model_id)).toEqual([model.info.model_id]);
  });

  it("has the task's plots and report (no learning curves: nothing was trained)", async () => {
    const files = await rest<{ files?: { path: string }[] }>(server.url, `/api/2.0/mlflow/artifacts/list?run_id=${evaluated.info.run_id}&path=plots`);
    const plots = (files.files ?? []).map((f) => f.path).sort();
    expect(plots).toEqual(expect.arrayContaining(['plots/confusion_pos0.png', 'plots/misclassified.png']));
    expect(plots).not.toContain('plots/learning_curves.png');
    const report = JSON.parse((await artifact(server.url, evaluated.info.run_id, 'metrics/test.json')).toString()) as { task: string; count: number; metrics: Record<string, number> };
    expect(report).toMatchObject({ task: 'sequence', count: 256, metrics: testMetrics(trained) });
  });

  it("--split val scores the validation split: the training run's last-epoch validation metrics, value for value", async () => {
    // runs:/<id> this time: the same model reached through its run.
    const res = await xp(['evaluate', `runs:/${trained.info.run_id}`, 'test/fixtures/tiny-register.yaml', '--split', 'val'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^val: exact match [\d.]+ % on 128 sequences$/m);
    const run = await getRun(runIdFromUrl(res.stdout));
    const val = (r: Run) => Object.fromEntries((r.data.metrics ?? []).filter((m) => m.key.startsWith('val_')).map((m) => [m.key, m.value]));
    // One epoch was trained, so the run's latest validation values are those of the final weights.
    expect(Object.keys(val(trained))).toEqual(expect.arrayContaining(['val_exact_match', 'val_loss']));
    expect(val(run)).toEqual(val(trained));
    expect((run.data.metrics ?? []).every((m) => m.key.startsWith('val_'))).toBe(true);
    const report = JSON.parse((await artifact(server.url, run.info.run_id, 'metrics/val.json')).toString()) as { split: string; count: number };
    expect(report).toMatchObject({ split: 'val', count: 128 });
  });

  it('MLflow gone while the evaluation is logged: the run is journaled and xp sync sends its scores and the model link, once', async () => {
    // A proxy the test controls stands for the server and goes away at the run's inputs (dataset and model).
    const proxy = await startOutageProxy(server.url, (r) => r.method === 'POST' && r.path === '/api/2.0/mlflow/runs/log-inputs');
    try {
      const outEnv = { ...env, MLFLOW_TRACKING_URI: proxy.url, XP_STATE_DIR: path.join(tmp, 'state-outage'), XP_SPOOL_WAIT_S: '2' };
      const res = await xp(['evaluate', 'models:/xp-e2e-digits@champion', 'test/fixtures/tiny-register.yaml'], outEnv);
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.down).toBe(true);
      expect(res.stderr).toMatch(/record\(s\) of this run are kept in .*`npx xp sync` sends them/);
      const id = runIdFromUrl(res.stdout);
      expect((await getRun(id)).info.status).toBe('RUNNING');
      await proxy.up();
      const sync = await xp(['sync'], outEnv, 120_000);
      expect(sync.code, sync.stderr).toBe(0);
      expect(sync.stdout.trim()).toBe(id);
      const run = await getRun(id);
      expect(run.info.status).toBe('FINISHED');
      expect(testMetrics(run)).toEqual(testMetrics(trained));
      expect(run.inputs?.model_inputs?.map((m) => m.model_id)).toEqual([model.info.model_id]);
      const onModel = (await rest<{ model: LoggedModel }>(server.url, `/api/2.0/mlflow/logged-models/${model.info.model_id}`)).model.data.metrics ?? [];
      const fromRun = onModel.filter((m) => m.run_id === id);
      expect(Object.fromEntries(fromRun.map((m) => [m.key, m.value]))).toEqual(testMetrics(trained));
      expect(fromRun).toHaveLength(Object.keys(testMetrics(trained)).length);
    } finally {
      await proxy.close();
    }
  });

  it('a data file (no model:) is scored like its experiment, into the experiment the model was logged in', async () => {
    const dataFile = path.join(tmp, 'digits-test.yaml');
    fs.writeFileSync(dataFile, 'data:\n  type: mnist_sequences\n  train: { count: 512 }\n  val: { count: 128 }\n  test: { count: 256 }\n');
    const res = await xp(['evaluate', 'models:/xp-e2e-digits@champion', dataFile], env);
    expect(res.code, res.stderr).toBe(0);
    const run = await getRun(runIdFromUrl(res.stdout));
    expect(run.info.run_name).toBe('digits-test-evaluation');
    expect(run.info.experiment_id).toBe(trained.info.experiment_id);
    expect(testMetrics(run)).toEqual(testMetrics(trained));
    const tags = kv(run.data.tags);
    expect(tags['xp.evaluation.model_id']).toBe(model.info.model_id);
    // The model section of a data file is a stand-in for the checks, not the model scored: no xp.model tag.
    expect(tags['xp.model']).toBeUndefined();
    expect(tags['xp.evaluation.data_file']).toBe('true');
  });

  it('a data file with a bad value is refused with exit 2 at its file:line:col', async () => {
    const dataFile = path.join(tmp, 'bad-data.yaml');
    fs.writeFileSync(dataFile, 'data:\n  type: mnist_sequences\n  test: { count: abc }\n');
    const res = await xp(['evaluate', model.info.model_id, dataFile], env);
    expect(res.code).toBe(2);
    expect(xpStderrLines(res.stderr).at(-1)?.startsWith(`${dataFile}:3:18: data.test.count must be a whole number`), res.stderr).toBe(true);
  });

  it('data prepared otherwise than in training (another normalisation) is refused with exit 2, naming what differs', async () => {
    const before = await runCount(trained.info.experiment_id);
    const res = await xp(['evaluate', model.info.model_id, 'test/fixtures/tiny-register.yaml', '--set', 'data.normalize.mean=0.5'], env);
    expect(res.code, res.stderr).toBe(2);
    expect(xpStderrLines(res.stderr).at(-1)).toMatch(/: this data prepares inputs differently from the model's training \(normalize differs from its preprocessing\.json\)/);
    expect(await runCount(trained.info.experiment_id)).toBe(before);
  });

  it('a split the data lacks is refused with exit 2, naming the splits it has, before any run exists', async () => {
    const before = await runCount(trained.info.experiment_id);
    const res = await xp(['evaluate', model.info.model_id, 'test/fixtures/tiny-register.yaml', '--split', 'holdout'], env);
    expect(res.code).toBe(2);
    expect(xpStderrLines(res.stderr).at(-1)).toBe(
      `xp: error: xp evaluate ${model.info.model_id} test/fixtures/tiny-register.yaml: the data has no split 'holdout' (it has train, val, test); choose one with --split`,
    );
    expect(await runCount(trained.info.experiment_id)).toBe(before);
  });
});
