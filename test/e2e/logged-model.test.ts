// A tiny run against a real MLflow 3 server logs its model as a LoggedModel (READY, found by MLflow's own
// search, linked to the run, test metrics carrying its model_id) and registers it (`mlflow.register`), and
// `xp register` registers it again under another name from the command line. MLflow's own Python client
// (the project's MLflow venv) finds and downloads all of it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mlflowVenvDir, startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, root, runIdFromUrl, xp } from './helpers.js';

interface LoggedModel {
  info: { model_id: string; status: string; source_run_id: string; experiment_id: string; tags?: { key: string; value: string }[] };
  data: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number; model_id?: string; dataset_name?: string; step: number }[] };
}

/** What test/e2e/python/read_back_model.py prints. */
interface PythonReadBack {
  logged_models: { model_id: string; name: string; status: string; source_run_id: string; tags: Record<string, string>; metrics: { key: string; value: number; model_id: string; dataset_name: string }[] }[];
  version: { version: string; source: string; run_id: string; aliases: string[] };
  files: string[];
  model_info: { flavors: string[]; model_id: string; run_id: string; signature: { inputs: string; outputs: string } };
  input_example_shapes: Record<string, number[]> | null;
}

describe('logged model and Model Registry against a real MLflow server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let env: Record<string, string>;
  let runId = '';
  let experimentId = '';
  let models: LoggedModel[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-model-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state') };
    const cli = await xp(['run', 'test/fixtures/tiny-register.yaml', '--set', 'training.epochs=1'], env);
    if (cli.code !== 0) throw new Error(`xp run failed (${cli.code}):\n${cli.stderr}`);
    runId = runIdFromUrl(cli.stdout);
    experimentId = (await rest<{ run: { info: { experiment_id: string } } }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run.info.experiment_id;
    models = (await rest<{ models: LoggedModel[] }>(server.url, '/api/2.0/mlflow/logged-models/search', { experiment_ids: [experimentId] })).models;
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('logged-models/search lists one READY model of the run, with its tags and params', () => {
    expect(models).toHaveLength(1);
    const m = models[0];
    expect(m.info.status).toBe('LOGGED_MODEL_READY');
    expect(m.info.source_run_id).toBe(runId);
    const tags = Object.fromEntries((m.info.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['xp.task']).toBe('sequence');
    expect(tags['xp.model']).toBeTruthy();
    const params = Object.fromEntries((m.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params['training.epochs']).toBe('1');
  });

  it('is linked to the run as its output, and the test metrics carry its model_id and the test dataset', async () => {
    const id = models[0].info.model_id;
    const run = (await rest<{ run: { outputs?: { model_outputs?: { model_id: string }[] } } }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run;
    expect(run.outputs?.model_outputs?.map((o) => o.model_id)).toEqual([id]);
    const metrics = models[0].data.metrics ?? [];
    expect(metrics.map((x) => x.key)).toEqual(expect.arrayContaining(['test_exact_match', 'test_loss']));
    for (const x of metrics) {
      expect(x.model_id).toBe(id);
      expect(x.dataset_name).toBe('mnist_sequences');
    }
  });

  it('holds the model files, MLmodel (tfjs flavor, model_id, run_id, signature) and an input example', async () => {
    const id = models[0].info.model_id;
    const files = await rest<{ files: { path: string }[] }>(server.url, `/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/models/${id}/artifacts`);
    expect(files.files.map((f) => f.path).sort()).toEqual(['MLmodel', 'input_example.json', 'model.json', 'preprocessing.json', 'serving_input_example.json', 'weights.bin']);
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${id}/artifacts/MLmodel`);
    const mlmodel = await res.text();
    expect(mlmodel).toContain('tfjs:');
    expect(mlmodel).toContain('loader_module: "@xp/runner"');
    expect(mlmodel).toContain(`model_id: ${id}`);
    expect(mlmodel).toContain(`run_id: ${runId}`);
    expect(mlmodel).toMatch(/inputs: '\[\{"type":"tensor".*"shape":\[-1,28,\d+,1\]/);
     // Uploaded once: the run's own model/ artifacts hold only the layer table, not a second copy of the files.
    const runFiles = await rest<{ files?: { path: string }[] }>(server.url, `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=model`);
    expect((runFiles.files ?? []).map((f) => f.path)).toEqual(['model/summary.txt']);
  });

  it('mlflow.register created version 1 of the registered model, models:/<model_id>, with the alias', async () => {
    const id = models[0].info.model_id;
    const byAlias = await rest<{ model_version: { version: string; source: string; run_id: string } }>(
      server.url,
      '/api/2.0/mlflow/registered-models/alias?name=xp-e2e-digits&alias=champion',
    );
    expect(byAlias.model_version).toMatchObject({ version: '1', source: `models:/${id}`, run_id: runId });
  });

  it("MLflow's Python client finds the logged model, the alias's version, and downloads models:/<name>@<alias>", async () => {
    const id = models[0].info.model_id;
    const python = path.join(mlflowVenvDir(), 'bin', 'python');
    const script = path.join(root, 'test/e2e/python/read_back_model.py');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(python, [script, 'xp-e2e', 'xp-e2e-digits', 'champion'], { env: { ...process.env, MLFLOW_TRACKING_URI: server.url }, timeout: 120_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const found = JSON.parse(out) as PythonReadBack;
    expect(found.logged_models.map((m) => [m.model_id, m.name, m.status, m.source_run_id])).toEqual([[id, 'model', 'READY', runId]]);
    expect(found.logged_models[0].tags).toMatchObject({ 'xp.task': 'sequence', 'xp.model': expect.any(String) });
    const metrics = found.logged_models[0].metrics;
    expect(metrics.map((m) => m.key)).toEqual(expect.arrayContaining(['test_exact_match', 'test_loss']));
    // The same values as the REST API gave, each carrying the model's id and the test dataset.
    const viaRest = Object.fromEntries((models[0].data.metrics ?? []).map((m) => [m.key, m.value]));
    for (const m of metrics) expect(m).toEqual({ key: m.key, value: viaRest[m.key], model_id: id, dataset_name: 'mnist_sequences' });
    expect(found.version).toEqual({ version: '1', source: `models:/${id}`, run_id: runId, aliases: ['champion'] });
    expect(found.files).toEqual(expect.arrayContaining(['MLmodel', 'model.json', 'weights.bin', 'preprocessing.json', 'input_example.json']));
    expect(found.model_info).toMatchObject({ flavors: ['tfjs'], model_id: id, run_id: runId });
    expect(JSON.parse(found.model_info.signature.inputs)).toEqual([{ name: 'image', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 28, expect.any(Number), 1] } }]);
    // MLflow reads the input example back as the signature's named input, one example of the model's input shape.
    const width = JSON.parse(found.model_info.signature.inputs)[0]['tensor-spec'].shape[2];
    expect(found.input_example_shapes).toEqual({ image: [1, 28, width, 1] });
  }, 180_000);

  it('xp register <run-id> registers the same model under another name, with an alias', async () => {
    const id = models[0].info.model_id;
    const cli = await xp(['register', runId, '--name', 'xp-e2e-cli', '--alias', 'staging'], env, 60_000);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim().split('\n')).toEqual(['models:/xp-e2e-cli/1', 'models:/xp-e2e-cli@staging']);
    const byAlias = await rest<{ model_version: { version: string; source: string } }>(server.url, '/api/2.0/mlflow/registered-models/alias?name=xp-e2e-cli&alias=staging');
    expect(byAlias.model_version).toMatchObject({ version: '1', source: `models:/${id}` });
  });

  it('an offline run keeps the model in its spool; xp sync creates it READY, linked and registered (version 2)', async () => {
    const off = await xp(['run', 'test/fixtures/tiny-register.yaml', '--set', 'training.epochs=1', '--offline'], env);
    expect(off.code, off.stderr).toBe(0);
    const sync = await xp(['sync'], env, 120_000);
    expect(sync.code, sync.stderr).toBe(0);
    const synced = sync.stdout.trim();
    expect(synced).toMatch(/^[0-9a-f]{32}$/);
    const all = (await rest<{ models: LoggedModel[] }>(server.url, '/api/2.0/mlflow/logged-models/search', { experiment_ids: [experimentId] })).models;
    const mine = all.filter((m) => m.info.source_run_id === synced);
    expect(mine).toHaveLength(1);
    expect(mine[0].info.status).toBe('LOGGED_MODEL_READY');
    const run = (await rest<{ run: { outputs?: { model_outputs?: { model_id: string }[] } } }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${synced}`)).run;
    expect(run.outputs?.model_outputs?.map((o) => o.model_id)).toEqual([mine[0].info.model_id]);
    const byAlias = await rest<{ model_version: { version: string; source: string } }>(server.url, '/api/2.0/mlflow/registered-models/alias?name=xp-e2e-digits&alias=champion');
    expect(byAlias.model_version).toMatchObject({ version: '2', source: `models:/${mine[0].info.model_id}` });
  });
});
