// An MLflow outage while a run logs its model loses nothing. A proxy in front of a real MLflow server goes
// away at an exact request of the model-logging phase (creating the LoggedModel, uploading its second file,
// linking it to the run); the run finishes and keeps the rest in its journal; once the server is back,
// `xp sync` sends it, and MLflow ends with one READY LoggedModel holding every file, linked to the run, with
// the run's test metrics carrying its model_id, and registered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, runIdFromUrl, xp } from './helpers.js';
import { startOutageProxy, type ProxyRequest } from './outage-proxy.js';

interface LoggedModel {
  info: { model_id: string; status: string; source_run_id: string; experiment_id: string };
  data: { metrics?: { key: string; value: number; model_id?: string; dataset_name?: string }[] };
}
interface Run {
  info: { run_id: string; status: string; experiment_id: string };
  data: { metrics?: { key: string; value: number }[] };
  outputs?: { model_outputs?: { model_id: string }[] };
}

const MODEL_FILES = ['MLmodel', 'input_example.json', 'model.json', 'preprocessing.json', 'serving_input_example.json', 'weights.bin'];
const isModelUpload = (r: ProxyRequest) => r.method === 'PUT' && /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/\d+\/models\/m-[0-9a-f]+\/artifacts\//.test(r.path);

/** Where the server goes away, and what MLflow holds of the model at that point (before `xp sync`). */
const CUTS: { when: string; at: (r: ProxyRequest, seen: ProxyRequest[]) => boolean; before: { models: string[]; linked: boolean } }[] = [
  { when: 'the LoggedModel is created', at: (r) => r.method === 'POST' && r.path === '/api/2.0/mlflow/logged-models', before: { models: [], linked: false } },
  {
    when: 'its second file is uploaded',
    at: (r, seen) => isModelUpload(r) && seen.filter(isModelUpload).length === 2,
    before: { models: ['LOGGED_MODEL_PENDING'], linked: false },
  },
  { when: 'it is linked to the run', at: (r) => r.method === 'POST' && r.path === '/api/2.0/mlflow/runs/outputs', before: { models: ['LOGGED_MODEL_READY'], linked: false } },
];

describe('an MLflow outage while the model is logged loses nothing', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-model-outage-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  });

  afterAll(async () => {
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each(CUTS.map((c, i) => ({ ...c, i })))('server gone when $when: the run is journaled, xp sync sends the model READY, linked, registered', async ({ at, before, i }) => {
    const proxy = await startOutageProxy(server.url, at);
    try {
      const stateDir = path.join(tmp, `state-${i}`);
      const env = { MLFLOW_TRACKING_URI: proxy.url, XP_STATE_DIR: stateDir, XP_SPOOL_WAIT_S: '2' };
      const name = `xp-e2e-outage-${i}`;
      const res = await xp(['run', 'test/fixtures/tiny-register.yaml', '--set', 'training.epochs=1', '--set', `mlflow.register.name=${name}`], env);
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.down, 'the proxy never saw the request it was to go away at').toBe(true);
      expect(res.stderr).toMatch(/MLflow: unreachable \(/);
      expect(res.stderr).toMatch(/record\(s\) of this run are kept in .*`npx xp sync` sends them/);
      const runId = runIdFromUrl(res.stderr);
      const spools = fs.readdirSync(path.join(stateDir, 'spool'));
      expect(spools).toHaveLength(1);

      // What MLflow has now, read past the proxy: the cut happened where it was meant to.
      const getRun = async () => (await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run;
      const experimentId = (await getRun()).info.experiment_id;
      const models = async () =>
        ((await rest<{ models: LoggedModel[] }>(server.url, '/api/2.0/mlflow/logged-models/search', { experiment_ids: [experimentId] })).models ?? []).filter(
          (m) => m.info.source_run_id === runId,
        );
      expect((await models()).map((m) => m.info.status)).toEqual(before.models);
      expect((await getRun()).outputs?.model_outputs ?? []).toHaveLength(before.linked ? 1 : 0);
      expect((await getRun()).info.status).toBe('RUNNING');

      await proxy.up();
      const sync = await xp(['sync'], env, 120_000);
      expect(sync.code, sync.stderr).toBe(0);
      expect(sync.stdout.trim()).toBe(runId);
      expect(fs.readdirSync(path.join(stateDir, 'spool'))).toEqual([]);

      const run = await getRun();
      expect(run.info.status).toBe('FINISHED');
      const [model, ...extra] = await models();
      expect(extra, 'one LoggedModel per run, not one per attempt').toEqual([]);
      expect(model.info.status).toBe('LOGGED_MODEL_READY');
      const id = model.info.model_id;
      expect(run.outputs?.model_outputs?.map((o) => o.model_id)).toEqual([id]);

      // Every file, and the weights byte for byte as the run saved them.
      const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${id}/artifacts`;
      const files = await rest<{ files: { path: string }[] }>(server.url, `/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/models/${id}/artifacts`);
      expect(files.files.map((f) => f.path).sort()).toEqual(MODEL_FILES);
      const weights = Buffer.from(await (await fetch(`${server.url}${base}/weights.bin`)).arrayBuffer());
      expect(weights.equals(fs.readFileSync(path.join(stateDir, 'runs', runId, 'model', 'weights.bin')))).toBe(true);
      expect(await (await fetch(`${server.url}${base}/MLmodel`)).text()).toContain(`model_id: ${id}`);

      // The run's test metrics, each once on the model with its id and the test dataset.
      const runTest = Object.fromEntries((run.data.metrics ?? []).filter((m) => m.key.startsWith('test_')).map((m) => [m.key, m.value]));
      expect(Object.keys(runTest)).toEqual(expect.arrayContaining(['test_exact_match', 'test_loss']));
      const onModel = model.data.metrics ?? [];
      expect(Object.fromEntries(onModel.map((m) => [m.key, m.value]))).toEqual(runTest);
      expect(onModel).toHaveLength(Object.keys(runTest).length);
      for (const m of onModel) expect([m.model_id, m.dataset_name]).toEqual([id, 'mnist_sequences']);

      const byAlias = await rest<{ model_version: { version: string; source: string } }>(server.url, `/api/2.0/mlflow/registered-models/alias?name=${name}&alias=champion`);
      expect(byAlias.model_version).toEqual(expect.objectContaining({ version: '1', source: `models:/${id}` }));
    } finally {
      await proxy.close();
    }
  }, 300_000);
});
