// RunTracker against a real `mlflow server`: sending in order, a 4xx reported once without stopping the rest,
// an outage kept in the spool, and replay after the server comes back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startServer, type ServerHandle } from '../../mlflow/local-server.js';
import { MlflowClient } from '../../mlflow/tracking-client.js';
import { Journal } from './journal.js';
import { RunTracker } from './run-tracker.js';
import { SPOOL_ID_TAG } from './replay.js';

describe('RunTracker with a real MLflow server', () => {
  let tmp: string;
  let server: ServerHandle;
  let client: MlflowClient;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-tracker-it-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts'), startTimeoutMs: 120_000 });
    client = new MlflowClient({ trackingUri: server.url, maxRetries: 1, backoffFactorMs: 50 });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('creates the run, sends everything in order and removes the spool once the run has ended', async () => {
    const lines: string[] = [];
    const journal = Journal.create(path.join(tmp, 'spool'), 'ok-1', server.url);
    const tracker = new RunTracker(journal, { client, log: (m) => lines.push(m) });
    tracker.createRun({ experiment: 'tracker-it', runName: 'ok', tags: { 'xp.stage': 'test' } });
    tracker.logParams({ lr: '0.001' });
    tracker.logMetrics([0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), step })));
    const local = path.join(tmp, 'note.txt');
    fs.writeFileSync(local, 'first');
    tracker.logArtifact(local, 'notes');
    // The copy was taken when logged: a later change of the file does not reach MLflow.
    fs.writeFileSync(local, 'second');
    tracker.updateRun('FINISHED');
    expect(await tracker.close(30_000)).toBe(0);
    expect(fs.existsSync(journal.dir)).toBe(false);
    const run = await client.getRun(tracker.runId!);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toEqual({ lr: '0.001' });
    expect(run.data.tags[SPOOL_ID_TAG]).toBe('ok-1');
    expect((await client.getMetricHistory(tracker.runId!, 'loss')).map((m) => m.step)).toEqual([0, 1, 2]);
    expect((await client.downloadArtifact(tracker.runId!, 'notes/note.txt')).toString()).toBe('first');
    expect(lines).toEqual([]);
  });

  it('a record MLflow rejects (a param re-logged with another value) is reported once and skipped; later records still arrive', async () => {
    const lines: string[] = [];
    const tracker = new RunTracker(Journal.create(path.join(tmp, 'spool'), 'bad-1', server.url), { client, log: (m) => lines.push(m) });
    tracker.createRun({ experiment: 'tracker-it', tags: {} });
    tracker.logParams({ lr: '0.1' });
    tracker.logParams({ lr: '0.2' });
    tracker.logParams({ lr: '0.3' });
    tracker.logMetrics([{ key: 'acc', value: 0.5, step: 0 }]);
    tracker.updateRun('FINISHED');
    expect(await tracker.close(30_000)).toBe(0);
    expect(tracker.state.rejected).toBe(2);
    expect(lines.filter((l) => l.includes('rejected'))).toHaveLength(1);
    expect(lines[0]).toMatch(/^MLflow: rejected log_batch \(record 3\): .*INVALID_PARAMETER_VALUE.*; skipped, training continues/);
    const run = await client.getRun(tracker.runId!);
    expect(run.data.params.lr).toBe('0.1');
    expect(run.data.metrics.map((m) => m.key)).toEqual(['acc']);
  });

  it('while the server is unreachable nothing is lost: records wait in the spool and a later tracker sends them, creating the run once', async () => {
    const port = await findFreePort();
    const dead = new MlflowClient({ trackingUri: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const lines: string[] = [];
    const journal = Journal.create(path.join(tmp, 'spool'), 'outage-1', null);
    const tracker = new RunTracker(journal, { client: dead, log: (m) => lines.push(m), retryDelayMs: () => 20 });
    tracker.createRun({ experiment: 'tracker-it', tags: {} });
    tracker.logMetrics([{ key: 'loss', value: 3, step: 0, timestamp: 1000 }]);
    tracker.updateRun('FINISHED', 2000);
    expect(await tracker.close(300)).toBe(3);
    expect(lines[0]).toMatch(/^MLflow: unreachable \(.*ECONNREFUSED.*\); training continues/);
    expect(lines.at(-1)).toMatch(/3 record\(s\) of this run are kept in .*outage-1/);
    expect(journal.liveOwner()).toBeUndefined();

    const later = new RunTracker(Journal.open(journal.dir), { client, log: () => undefined });
    expect(later.state.pending).toBe(3);
    expect(await later.close(30_000)).toBe(0);
    const run = await client.getRun(later.runId!);
    expect(run.info).toMatchObject({ status: 'FINISHED', endTime: 2000 });
    expect(await client.getMetricHistory(later.runId!, 'loss')).toEqual([{ key: 'loss', value: 3, step: 0, timestamp: 1000 }]);
  });
});
