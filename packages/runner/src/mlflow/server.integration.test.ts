// Against a real `mlflow server` (the setup venv's MLflow 3.17.2): sqlite and PostgreSQL backends, and the
// managed server's reuse. These never skip: a missing venv or database is a failure to fix (`npm run setup`).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlflowApiError } from './errors.js';
import { ensureLocalServer, localServerStatus, startServer, stopLocalServer, type ServerHandle } from './local-server.js';
import { groupAlive } from './process-group.js';
import { MlflowClient } from './tracking-client.js';
import { MLFLOW_VERSION } from './venv.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'xp-mlflow-it-'));
const handles: ServerHandle[] = [];
afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop()));
  rmSync(tmp, { recursive: true, force: true });
});

async function started(backendStoreUri: string, name: string): Promise<{ server: ServerHandle; client: MlflowClient }> {
  const t0 = Date.now();
  const server = await startServer({ backendStoreUri, artifactsDir: path.join(tmp, name, 'artifacts'), startTimeoutMs: 120_000 });
  handles.push(server);
  console.log(`[mlflow it] ${name}: server answered /health after ${Date.now() - t0} ms`);
  return { server, client: new MlflowClient({ trackingUri: server.url, maxRetries: 2, backoffFactorMs: 100 }) };
}

/** The full round trip xp's runner needs: experiment, run, params/metrics/tags/inputs, artifacts, end. */
async function roundTrip(client: MlflowClient, workDir: string): Promise<void> {
  expect(await client.health()).toBe(true);
  expect(await client.serverVersion()).toBe(MLFLOW_VERSION);
  const expId = await client.getOrCreateExperiment(`xp-it-${randomBytes(4).toString('hex')}`);
  expect(await client.getOrCreateExperiment((await client.store.getExperiment(expId)).name)).toBe(expId);

  const run = await client.createRun({ experimentId: expId, runName: 'it-run', tags: { 'xp.stage': 'test' }, startTime: 1_700_000_000_000 });
  const runId = run.info.runId;
  expect(run.info).toMatchObject({ experimentId: expId, runName: 'it-run', status: 'RUNNING', startTime: 1_700_000_000_000 });
  expect(run.info.artifactUri).toBe(`mlflow-artifacts:/${expId}/${runId}/artifacts`);

  const losses = [2.5, 1.25, NaN, 0.5, 0.25];
  const requests = await client.logBatch(runId, {
    params: { lr: 0.001, 'model/type': 'cnn', 'bad key!': 'sanitised' },
    metrics: losses.map((value, step) => ({ key: 'loss', value, step, timestamp: 1_700_000_000_000 + step })),
    tags: { 'xp.config_hash': 'abc123' },
  });
  expect(requests).toBe(1);
  await client.logMetric(runId, 'val/acc', 0.9, { step: 4 });
  await client.setTags(runId, { note: 'second' });
  await client.logInputs(runId, [{
    dataset: { name: 'digits-seq', digest: 'd41d8cd9', sourceType: 'synthetic', source: '{"generator":"xp"}', schema: '{}', profile: '{"num_rows":5}' },
    tags: [{ key: 'mlflow.data.context', value: 'training' }],
  }]);
  // A param never changes: the server's INVALID_PARAMETER_VALUE reaches the caller as MlflowApiError.
  await expect(client.logParams(runId, { lr: 0.1 })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', status: 400 });

  const text = path.join(workDir, 'notes.txt');
  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
  mkdirSync(path.join(workDir, 'model', 'weights'), { recursive: true });
  writeFileSync(text, 'héllo artifacts\n');
  writeFileSync(path.join(workDir, 'model', 'weights', 'w.bin'), binary);
  writeFileSync(path.join(workDir, 'model', 'model.json'), '{"format":"layers-model"}');
  writeFileSync(path.join(workDir, 'model', 'empty.txt'), '');
  await client.logArtifact(runId, text);
  await client.logArtifact(runId, path.join(workDir, 'model', 'weights', 'w.bin'), 'bin/sub');
  expect(await client.logArtifactDir(runId, path.join(workDir, 'model'), 'model')).toBe(3);
  await client.logText(runId, 'plain text', 'reports/summary.md');

  const root = await client.listArtifacts(runId);
  expect(root.map((f) => [f.path, f.isDir])).toEqual([['bin', true], ['model', true], ['notes.txt', false], ['reports', true]]);
  expect(await client.listArtifacts(runId, 'bin/sub')).toEqual([{ path: 'bin/sub/w.bin', isDir: false, fileSize: 70_000 }]);
  expect((await client.listArtifacts(runId, 'model')).map((f) => f.path)).toEqual(['model/empty.txt', 'model/model.json', 'model/weights']);
  expect((await client.downloadArtifact(runId, 'model/empty.txt')).length).toBe(0);
  expect((await client.downloadArtifact(runId, 'notes.txt')).toString('utf8')).toBe('héllo artifacts\n');
  expect((await client.downloadArtifact(runId, 'bin/sub/w.bin')).equals(binary)).toBe(true);
  expect((await client.downloadArtifact(runId, 'model/weights/w.bin')).equals(binary)).toBe(true);
  expect((await client.downloadArtifact(runId, 'reports/summary.md')).toString()).toBe('plain text');
  await expect(client.downloadArtifact(runId, 'missing.txt')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });

  const history = await client.getMetricHistory(runId, 'loss');
  const bySteps = [...history].sort((a, b) => a.step - b.step);
  expect(bySteps.map((m) => m.step)).toEqual([0, 1, 2, 3, 4]);
  expect(bySteps.map((m) => m.value)).toEqual(losses);
  expect(bySteps[3].timestamp).toBe(1_700_000_000_003);

  const ended = await client.setTerminated(runId, 'FINISHED', 1_700_000_100_000);
  expect(ended).toMatchObject({ status: 'FINISHED', endTime: 1_700_000_100_000 });
  const final = await client.getRun(runId);
  expect(final.data.params).toEqual({ lr: '0.001', 'model/type': 'cnn', 'bad key_': 'sanitised' });
  expect(final.data.tags).toMatchObject({ 'xp.stage': 'test', 'xp.config_hash': 'abc123', note: 'second', 'mlflow.runName': 'it-run' });
  expect(final.data.metrics.find((m) => m.key === 'val/acc')).toMatchObject({ value: 0.9, step: 4 });
  expect(final.inputs).toEqual([{
    dataset: { name: 'digits-seq', digest: 'd41d8cd9', sourceType: 'synthetic', source: '{"generator":"xp"}', schema: '{}', profile: '{"num_rows":5}' },
    tags: { 'mlflow.data.context': 'training' },
  }]);
  const found = await client.searchRuns({ experimentIds: [expId], filter: 'params.lr = "0.001"' });
  expect(found.map((r) => r.info.runId)).toEqual([runId]);
  await expect(client.getRun('0'.repeat(32))).rejects.toBeInstanceOf(MlflowApiError);
}

describe('MlflowClient against a real mlflow server', () => {
  it('sqlite backend: full round trip, then stop() ends the whole process group', async () => {
    const { server, client } = await started(`sqlite:///${path.join(tmp, 'sqlite', 'mlflow.db')}`, 'sqlite');
    mkdirSync(path.join(tmp, 'sqlite', 'work'), { recursive: true });
    await roundTrip(client, path.join(tmp, 'sqlite', 'work'));
    await server.stop();
    expect(groupAlive(server.pid)).toBe(false);
    expect(await client.health(1000)).toBe(false);
  }, 240_000);

  it('a kept-alive connection the server closed while the event loop was blocked (a training step) is retried at once', async () => {
    const { server } = await started(`sqlite:///${path.join(tmp, 'keep-alive', 'mlflow.db')}`, 'keep-alive');
    const retries: { reason: string; delayMs: number }[] = [];
    // A backoff longer than the test's timeout: only an immediate retry gets the second request through.
    const c = new MlflowClient({ trackingUri: server.url, backoffFactorMs: 60_000, onRetry: (i) => retries.push({ reason: i.reason, delayMs: i.delayMs }) });
    const experimentId = await c.getOrCreateExperiment('keep-alive');
    // Longer than the server's keep-alive (uvicorn: 5 s) without giving the event loop a turn, as a synchronous
    // tfjs-node training step does: the server's close is only seen when the next request is written.
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      // busy, like a native kernel call
    }
    const run = await c.createRun({ experimentId, runName: 'after-a-blocked-loop' });
    expect((await c.getRun(run.info.runId)).info.runName).toBe('after-a-blocked-loop');
    expect(retries).toEqual([{ reason: 'ECONNRESET', delayMs: 0 }]);
    await server.stop();
  }, 180_000);

  it('PostgreSQL backend: full round trip on a fresh database', async () => {
    const db = `xp_test_${randomBytes(6).toString('hex')}`;
    const psql = (sql: string) => spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
    const created = psql(`CREATE DATABASE ${db}`);
    expect(created.status, `psql CREATE DATABASE failed: ${created.stderr}${created.error ?? ''}`).toBe(0);
    try {
      const { server, client } = await started(`postgresql://postgres@127.0.0.1:5432/${db}`, 'postgres');
      mkdirSync(path.join(tmp, 'postgres', 'work'), { recursive: true });
      await roundTrip(client, path.join(tmp, 'postgres', 'work'));
      await server.stop();
    } finally {
      const dropped = psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      expect(dropped.status, dropped.stderr).toBe(0);
    }
  }, 300_000);
});

describe('ensureLocalServer', () => {
  it('starts once per state dir, reuses it, and stopLocalServer ends it', async () => {
    const stateDir = path.join(tmp, 'project', '.xp');
    const first = await ensureLocalServer({ stateDir, startTimeoutMs: 120_000 });
    handles.push(first);
    expect(first.reused).toBe(false);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(path.join(stateDir, 'mlflow', 'server.json'))).toBe(true);
    expect(existsSync(path.join(stateDir, 'mlflow', 'mlflow.db'))).toBe(true);

    const second = await ensureLocalServer({ stateDir });
    expect(second).toMatchObject({ reused: true, pid: first.pid, url: first.url });
    expect(await localServerStatus(stateDir)).toMatchObject({ pid: first.pid, url: first.url });

    const client = new MlflowClient({ trackingUri: second.url });
    const expId = await client.getOrCreateExperiment('reuse');
    const run = await client.createRun({ experimentId: expId });
    await client.logText(run.info.runId, 'kept under the state dir', 'a.txt');
    expect(existsSync(path.join(stateDir, 'mlflow', 'artifacts', expId, run.info.runId, 'artifacts', 'a.txt'))).toBe(true);

    expect(await stopLocalServer(stateDir)).toBe(true);
    expect(groupAlive(first.pid)).toBe(false);
    expect(existsSync(path.join(stateDir, 'mlflow', 'server.json'))).toBe(false);
    expect(await localServerStatus(stateDir)).toBeNull();
  }, 240_000);
});
