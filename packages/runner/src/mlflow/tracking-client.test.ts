import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MlflowApiError, MlflowInvalidInputError } from './errors.js';
import { MLFLOW_LIMITS } from './limits.js';
import { MlflowClient } from './tracking-client.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
}
type Handler = (req: Seen) => { status?: number; body?: unknown } | undefined;

// A fake transport: a real HTTP server whose routes the test scripts; unknown routes answer {}.
async function fakeMlflow(handler: Handler = () => undefined) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const r: Seen = { method: req.method ?? '', path: u.pathname, query: u.searchParams, body: Buffer.concat(chunks) };
      seen.push(r);
      const reply = handler(r) ?? {};
      res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(server);
  const client = new MlflowClient({ trackingUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, backoffFactorMs: 1, backoffJitterMs: 0, env: {} });
  return { client, seen, json: (r: Seen) => JSON.parse(r.body.toString()) };
}
const open: http.Server[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('MlflowClient.logBatch', () => {
  it('sends 2500 metrics + 250 params as 3 log-batch requests, each within the limits', async () => {
    const { client, seen, json } = await fakeMlflow();
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: 1000 + i }));
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    expect(await client.logBatch('run1', { metrics, params })).toBe(3);
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill('POST /api/2.0/mlflow/runs/log-batch'));
    const bodies = seen.map(json);
    for (const [i, b] of bodies.entries()) {
      expect(b.run_id).toBe('run1');
      expect(b.metrics.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxMetricsPerBatch);
      expect(b.params.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxParamsPerBatch);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxEntitiesPerBatch);
      expect(seen[i].body.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxBatchRequestBytes);
    }
    expect(bodies.flatMap((b) => b.metrics).map((m: { step: number }) => m.step)).toEqual(metrics.map((m) => m.step));
    expect(bodies.flatMap((b) => b.params)).toHaveLength(250);
  });

  it('sends NaN and infinities as MLflow strings', async () => {
    const { client, seen, json } = await fakeMlflow();
    await client.logMetrics('r', { a: NaN, b: Infinity, c: -Infinity, d: 0.5 }, { step: 2, timestamp: 7 });
    expect(json(seen[0]).metrics).toEqual([
      { key: 'a', value: 'NaN', step: 2, timestamp: 7 }, { key: 'b', value: 'Infinity', step: 2, timestamp: 7 },
      { key: 'c', value: '-Infinity', step: 2, timestamp: 7 }, { key: 'd', value: 0.5, step: 2, timestamp: 7 },
    ]);
  });

  it('rejects an over-long value before sending anything', async () => {
    const { client, seen } = await fakeMlflow();
    await expect(client.logParams('r', { a: 1, long: 'x'.repeat(7000) })).rejects.toThrow(MlflowInvalidInputError);
    expect(seen).toHaveLength(0);
  });
});

describe('MlflowClient experiments and runs', () => {
  it('creates a missing experiment and recovers from a concurrent create', async () => {
    let byName = 0;
    const { client, seen } = await fakeMlflow((r) => {
      if (r.path.endsWith('/experiments/get-by-name')) {
        byName++;
        return byName === 1
          ? { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no' } }
          : { body: { experiment: { experiment_id: '7', name: 'e', lifecycle_stage: 'active' } } };
      }
      if (r.path.endsWith('/experiments/create')) return { status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' } };
      return undefined;
    });
    expect(await client.getOrCreateExperiment('e')).toBe('7');
    expect(seen.map((r) => r.path.split('/').pop())).toEqual(['get-by-name', 'create', 'get-by-name']);
  });

  it('creates an experiment with the model-training kind tag and the runs-table view', async () => {
    const { client, seen, json } = await fakeMlflow((r) =>
      r.path.endsWith('/experiments/get-by-name') ? { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no' } }
        : r.path.endsWith('/experiments/create') ? { body: { experiment_id: '5' } } : undefined,
    );
    expect(await client.getOrCreateExperiment('e', { tags: { team: 'digits' } })).toBe('5');
    const create = json(seen.find((r) => r.path.endsWith('/experiments/create'))!);
    const tags = Object.fromEntries(create.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
    expect(tags).toMatchObject({ 'mlflow.experimentKind': 'custom_model_development', team: 'digits' });
    expect(JSON.parse(tags['mlflow.sharedViewState.xp']).selectedColumns).toEqual(expect.arrayContaining(['metrics.`val_exact_match`', 'metrics.`test_exact_match`']));
  });

  it('adds the tags an existing experiment lacks, and keeps the kind a user chose', async () => {
    const { client, seen, json } = await fakeMlflow((r) =>
      r.path.endsWith('/experiments/get-by-name')
        ? { body: { experiment: { experiment_id: '8', name: 'e', lifecycle_stage: 'active', tags: [{ key: 'mlflow.experimentKind', value: 'genai_development' }] } } }
        : undefined,
    );
    expect(await client.getOrCreateExperiment('e')).toBe('8');
    const set = seen.filter((r) => r.path.endsWith('/experiments/set-experiment-tag')).map(json);
    expect(set.map((b) => [b.experiment_id, b.key])).toEqual([['8', 'mlflow.sharedViewState.xp']]);
    expect(seen.some((r) => r.path.endsWith('/experiments/create'))).toBe(false);
  });

  it('explains a deleted experiment instead of failing later', async () => {
    const { client } = await fakeMlflow(() => ({ body: { experiment: { experiment_id: '3', name: 'old', lifecycle_stage: 'deleted' } } }));
    await expect(client.getOrCreateExperiment('old')).rejects.toThrow(/experiment 'old' \(id 3\) is deleted; restore it/);
  });

  it('maps a missing run to MlflowApiError with errorCode', async () => {
    const { client } = await fakeMlflow(() => ({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run with id=nope not found" } }));
    await expect(client.getRun('nope')).rejects.toMatchObject({ name: 'MlflowApiError', errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    await expect(client.getRun('nope')).rejects.toBeInstanceOf(MlflowApiError);
  });

  it('follows metric-history pages and builds UI URLs without a double slash', async () => {
    const { client, seen } = await fakeMlflow((r) =>
      r.query.get('page_token') === 'p2'
        ? { body: { metrics: [{ key: 'loss', value: 'NaN', timestamp: 2, step: 2 }] } }
        : { body: { metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 1 }], next_page_token: 'p2' } },
    );
    const h = await client.getMetricHistory('r1', 'loss');
    expect(h.map((m) => m.step)).toEqual([1, 2]);
    expect(h[1].value).toBeNaN();
    expect(seen).toHaveLength(2);
    expect(client.runUrl('4', 'abc')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/experiments\/4\/runs\/abc\?workflowType=machine_learning$/);
  });
});

describe('MlflowClient.logInputs', () => {
  it('sends a logged model as a run input only when the run does not have it yet (MLflow would link it twice)', async () => {
    const linked: string[] = [];
    const { client, seen, json } = await fakeMlflow((r) => {
      if (r.path.endsWith('/runs/get')) return { body: { run: { info: { run_id: 'r1' }, inputs: { model_inputs: linked.map((model_id) => ({ model_id })) } } } };
      if (r.path.endsWith('/runs/log-inputs')) linked.push(...((JSON.parse(r.body.toString()) as { models?: { model_id: string }[] }).models ?? []).map((m) => m.model_id));
      return undefined;
    });
    const dataset = { name: 'd', digest: 'abc', sourceType: 'local', source: '{}' };
    await client.logInputs('r1', [{ dataset }], ['m-1', 'm-1']);
    await client.logInputs('r1', [{ dataset }], ['m-1']);
    expect(linked).toEqual(['m-1']);
    const sent = seen.filter((r) => r.path.endsWith('/runs/log-inputs')).map(json);
    // Datasets go every time (MLflow keeps one row per dataset); the model once.
    expect(sent.map((b) => [b.datasets.length, b.models?.length ?? 0])).toEqual([[1, 0], [0, 1], [1, 0]]);
  });
});

describe('MlflowClient artifacts', () => {
  it('uploads under the run artifact root that the server reports', async () => {
    const { client, seen } = await fakeMlflow((r) =>
      r.path.endsWith('/runs/get') ? { body: { run: { info: { run_id: 'r9', artifact_uri: 'mlflow-artifacts:/5/r9/artifacts' } } } } : undefined,
    );
    await client.logText('r9', 'héllo', 'notes/a b.txt');
    await client.logText('r9', 'again', 'b.txt');
    const puts = seen.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.path)).toEqual([
      '/api/2.0/mlflow-artifacts/artifacts/5/r9/artifacts/notes/a%20b.txt',
      '/api/2.0/mlflow-artifacts/artifacts/5/r9/artifacts/b.txt',
    ]);
    expect(puts[0].body.toString('utf8')).toBe('héllo');
    expect(seen.filter((r) => r.path.endsWith('/runs/get'))).toHaveLength(1); // the root is cached
    await expect(client.logText('r9', 'x', '../escape.txt')).rejects.toThrow(/contains a '\.\.' segment/);
  });

  it('refuses bad artifact paths before making any request', async () => {
    const { client, seen } = await fakeMlflow((r) =>
      r.path.endsWith('/runs/get') ? { body: { run: { info: { run_id: 'r9', artifact_uri: 'mlflow-artifacts:/5/r9/artifacts' } } } } : undefined,
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xp-artifacts-'));
    try {
      await writeFile(path.join(dir, 'good.txt'), 'ok');
      const file = path.join(dir, 'good.txt');
      await expect(client.logText('r9', 'x', '/abs.txt')).rejects.toThrow('logText: artifactFile "/abs.txt" is absolute');
      await expect(client.logText('r9', 'x', 'a\\b.txt')).rejects.toThrow(MlflowInvalidInputError);
      await expect(client.logText('r9', 'x', '')).rejects.toThrow('is empty: it must name a file');
      await expect(client.logArtifact('r9', file, '../up')).rejects.toThrow(`logArtifact: artifactPath "../up" contains a '..' segment`);
      await expect(client.logArtifactDir('r9', dir, 'model//x')).rejects.toThrow('has an empty segment');
      await expect(client.listArtifacts('r9', 'C:/x')).rejects.toThrow('starts with a drive letter');
      await expect(client.downloadArtifact('r9', 'a/./b')).rejects.toThrow("contains a '.' segment");
      // A local file whose name holds a backslash (legal on POSIX): the whole directory is refused, good.txt included.
      await writeFile(path.join(dir, 'evil\\..\\name.txt'), 'x');
      await expect(client.logArtifactDir('r9', dir, 'model')).rejects.toThrow(/logArtifactDir: .* would become "model\/evil\\\\\.\.\\\\name\.txt" contains a backslash/);
      expect(seen).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
