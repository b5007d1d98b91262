// The MLflow 3 logged-model and registry records: the REST requests they make (shapes as MLflow 3.17.2 takes
// them) and their replay being idempotent, against a stateful fake MLflow (a real HTTP server, in memory).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlflowClient } from '../../mlflow/tracking-client.js';
import { Journal, type JournalEntry } from './journal.js';
import { applyEntry, SPOOL_ID_TAG, SPOOL_SEQ_TAG } from './replay.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}
/* eslint-disable @typescript-eslint/no-explicit-any -- wire JSON */
type Wire = any;

// Just enough of MLflow 3's logged-models, runs/outputs, artifact proxy and registry to replay against.
async function fakeMlflow(opts: { failUpload?: boolean } = {}) {
  const seen: Seen[] = [];
  const models: Wire[] = [];
  const outputs: Array<{ model_id: string; step: number }> = [];
  const uploads = new Map<string, string>();
  const registered = new Set<string>();
  const versions: Wire[] = [];
  const aliases = new Map<string, string>();
  const route = (r: Seen): { status?: number; body?: unknown } => {
    const b = r.body && !r.path.includes('mlflow-artifacts') ? JSON.parse(r.body) : {};
    const A = '/api/2.0/mlflow';
    if (r.method === 'POST' && r.path === `${A}/logged-models`) {
      const id = `m-${models.length + 1}`.padEnd(10, '0');
      const m = { info: { model_id: id, experiment_id: b.experiment_id, name: b.name, source_run_id: b.source_run_id, status: 'LOGGED_MODEL_PENDING', artifact_uri: `mlflow-artifacts:/${b.experiment_id}/models/${id}/artifacts`, tags: b.tags }, data: { params: b.params } };
      models.push(m);
      return { body: { model: m } };
    }
    if (r.method === 'POST' && r.path === `${A}/logged-models/search`) {
      // Only the filter replay.ts writes: name plus the two spool tags.
      const want = [...String(b.filter).matchAll(/tags\.`([^`]+)` = '([^']*)'/g)].map((x) => [x[1], x[2]]);
      return { body: { models: models.filter((m) => want.every(([k, v]) => m.info.tags.some((t: Wire) => t.key === k && t.value === v))) } };
    }
    const lm = /^\/api\/2\.0\/mlflow\/logged-models\/([^/]+)$/.exec(r.path);
    if (lm && r.method === 'PATCH') {
      const m = models.find((x) => x.info.model_id === lm[1]);
      m.info.status = b.status;
      return { body: { model: m } };
    }
    if (r.method === 'PUT' && r.path.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) {
      if (opts.failUpload) return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'no' } };
      uploads.set(r.path.slice('/api/2.0/mlflow-artifacts/artifacts/'.length), r.body);
      return {};
    }
    if (r.method === 'GET' && r.path === `${A}/runs/get`) {
      return { body: { run: { info: { run_id: 'run1', experiment_id: '7' }, data: {}, outputs: { model_outputs: outputs } } } };
    }
    if (r.method === 'POST' && r.path === `${A}/runs/outputs`) {
      if (outputs.some((o) => o.model_id === b.models[0].model_id)) return { status: 400, body: { error_code: 'BAD_REQUEST', message: 'UNIQUE constraint failed' } };
      outputs.push(...b.models);
      return {};
    }
    if (r.method === 'POST' && r.path === `${A}/registered-models/create`) {
      if (registered.has(b.name)) return { status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' } };
      registered.add(b.name);
      return { body: { registered_model: { name: b.name } } };
    }
    if (r.method === 'GET' && r.path === `${A}/model-versions/search`) {
      const name = /name='([^']*)'/.exec(r.query.get('filter') ?? '')?.[1];
      return { body: { model_versions: versions.filter((v) => v.name === name) } };
    }
    if (r.method === 'POST' && r.path === `${A}/model-versions/create`) {
      const v = { name: b.name, version: String(versions.filter((x) => x.name === b.name).length + 1), source: b.source, run_id: b.run_id, status: 'READY' };
      versions.push(v);
      return { body: { model_version: v } };
    }
    if (r.method === 'POST' && r.path === `${A}/registered-models/alias`) {
      aliases.set(`${b.name}@${b.alias}`, b.version);
      return {};
    }
    return {};
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const r: Seen = { method: req.method ?? '', path: u.pathname, query: u.searchParams, body: Buffer.concat(chunks).toString() };
      seen.push(r);
      const reply = route(r);
      res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const client = new MlflowClient({ trackingUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxRetries: 0, env: {} });
  const json = (r: Seen) => JSON.parse(r.body);
  return { client, seen, json, models, outputs, uploads, versions, aliases };
}
const servers: http.Server[] = [];

describe('log_model and register_model records', () => {
  let root: string;
  let journal: Journal;
  let model: JournalEntry;
  let register: JournalEntry;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-replay-model-'));
    journal = Journal.create(root, 'spool-1', null);
    const dir = journal.fileDir(journal.peekSeq());
    fs.mkdirSync(path.join(journal.dir, dir), { recursive: true });
    fs.writeFileSync(path.join(journal.dir, dir, 'model.json'), '{"format":"layers-model"}');
    fs.writeFileSync(path.join(journal.dir, dir, 'weights.bin'), Buffer.from([1, 2, 3]));
    model = journal.append({
      op: 'log_model', name: 'model', dir, params: { lr: '0.01' }, tags: { 'xp.task': 'sequence', 'xp.model': 'baseline_cnn' },
      mlmodel: { flavors: { tfjs: { loader_module: '@xp/runner' } } }, createdAt: 1000,
      metrics: [{ key: 'test_exact_match', value: 0.5, step: 3, timestamp: 2000, datasetName: 'mnist_sequences', datasetDigest: 'abc' }],
    });
    register = journal.append({ op: 'register_model', modelSeq: model.seq, modelName: 'model', name: 'digits', alias: 'champion' });
  });
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const cursor = { acked: 0, runId: 'run1', experimentId: '7' };

  it('creates the model with the run, params and spool tags, uploads its files and MLmodel, finalizes READY, links it and logs the metrics with its model_id', async () => {
    const f = await fakeMlflow();
    const after = await applyEntry(f.client, journal, cursor, model);
    const id = f.models[0].info.model_id;
    expect(after).toEqual({ ...cursor, acked: model.seq, models: { [model.seq]: id } });

    const create = f.json(f.seen.find((r) => r.method === 'POST' && r.path === '/api/2.0/mlflow/logged-models')!);
    expect(create).toEqual({
      experiment_id: '7', name: 'model', source_run_id: 'run1',
      params: [{ key: 'lr', value: '0.01' }],
      tags: [
        { key: 'xp.task', value: 'sequence' }, { key: 'xp.model', value: 'baseline_cnn' },
        { key: SPOOL_ID_TAG, value: 'spool-1' }, { key: SPOOL_SEQ_TAG, value: String(model.seq) },
      ],
    });
    expect([...f.uploads.keys()].sort()).toEqual([`7/models/${id}/artifacts/MLmodel`, `7/models/${id}/artifacts/model.json`, `7/models/${id}/artifacts/weights.bin`]);
    const mlmodel = f.uploads.get(`7/models/${id}/artifacts/MLmodel`)!;
    expect(mlmodel).toContain(`model_id: ${id}`);
    expect(mlmodel).toContain('run_id: run1');
    expect(mlmodel).toContain('loader_module: "@xp/runner"');

    const patch = f.seen.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe(`/api/2.0/mlflow/logged-models/${id}`);
    expect(f.json(patch)).toEqual({ model_id: id, status: 'LOGGED_MODEL_READY' });
    expect(f.json(f.seen.find((r) => r.path === '/api/2.0/mlflow/runs/outputs')!)).toEqual({ run_id: 'run1', models: [{ model_id: id, step: 3 }] });
    const batch = f.json(f.seen.find((r) => r.path === '/api/2.0/mlflow/runs/log-batch')!);
    expect(batch.metrics).toEqual([{ key: 'test_exact_match', value: 0.5, timestamp: 2000, step: 3, model_id: id, dataset_name: 'mnist_sequences', dataset_digest: 'abc' }]);
  });

  it('replaying (the cursor lost) finds the model by its spool tags: one model, one link, no second upload', async () => {
    const f = await fakeMlflow();
    await applyEntry(f.client, journal, cursor, model);
    const uploads = f.seen.filter((r) => r.method === 'PUT').length;
    const again = await applyEntry(f.client, journal, cursor, model);
    expect(f.models).toHaveLength(1);
    expect(f.outputs).toHaveLength(1);
    expect(f.seen.filter((r) => r.method === 'PUT')).toHaveLength(uploads);
    expect(again.models).toEqual({ [model.seq]: f.models[0].info.model_id });
  });

  it('registers once: the registered model, version 1 with source models:/<id> and run_id, and the alias; a replay reuses them', async () => {
    const f = await fakeMlflow();
    const c1 = await applyEntry(f.client, journal, cursor, model);
    const id = f.models[0].info.model_id;
    await applyEntry(f.client, journal, c1, register);
    const mv = f.json(f.seen.find((r) => r.path === '/api/2.0/mlflow/model-versions/create')!);
    expect(mv).toEqual({ name: 'digits', source: `models:/${id}`, run_id: 'run1', model_id: id, tags: [] });
    expect(f.json(f.seen.find((r) => r.path === '/api/2.0/mlflow/registered-models/alias')!)).toEqual({ name: 'digits', alias: 'champion', version: '1' });
    // Replayed with a cursor that lost the model id: found by its tags, the existing version reused.
    await applyEntry(f.client, journal, { ...cursor, acked: model.seq }, register);
    expect(f.versions).toHaveLength(1);
    expect(f.aliases.get('digits@champion')).toBe('1');
  });

  it('a file MLflow refuses finalizes the model UPLOAD_FAILED and reports the error', async () => {
    const f = await fakeMlflow({ failUpload: true });
    await expect(applyEntry(f.client, journal, cursor, model)).rejects.toThrow();
    expect(f.models[0].info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    expect(f.outputs).toHaveLength(0);
  });
});
