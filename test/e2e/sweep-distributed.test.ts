import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childRuns, getRun, runIdFromOutput, startXp, tagsOf, type RestRun, type Started } from '../fixtures/sweep/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('xp sweep --queue with two xp workers, one killed mid-trial', () => {
  const queueName = `xp-e2e-${process.pid}-${Date.now()}`;
  const queue = `redis://127.0.0.1:6379?queue=${queueName}`;
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let workers: Started[] = [];
  let killed: Started;
  let survivor: Started;
  let parent: RestRun;
  let children: RestRun[];
  let sweepCode: number | null;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-queue-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    // Short job locks, so that the dead worker's trial is retried within seconds rather than BullMQ's 30 s.
    const env = { XP_STATE_DIR: path.join(tmp, 'state'), XP_WORKER_LOCK_MS: '3000', XP_WORKER_STALLED_MS: '1000' };
    workers = [startXp(['worker', '--queue', queue], env), startXp(['worker', '--queue', queue], env)];
    await Promise.all(workers.map((w) => w.waitFor(/worker: taking trials/)));
    const sweep = startXp(['sweep', 'test/fixtures/sweep/distributed.yaml', '--queue', queue], { ...env, MLFLOW_TRACKING_URI: server.url });

    // Kill (SIGKILL: no cleanup at all) the worker running trial 0 once that trial has logged an epoch.
    const started = await Promise.race(workers.map((w, i) => w.waitFor(/trial 0: starting/).then(() => i)));
    [killed, survivor] = started === 0 ? [workers[0], workers[1]] : [workers[1], workers[0]];
    const parentId = await waitForParent(sweep);
    for (const deadline = Date.now() + 120_000; ; ) {
      if (Date.now() > deadline) throw new Error(`trial 0 never logged an epoch:\n${sweep.stderr()}`);
      const runs = await childRuns(server.url, await getRun(server.url, parentId));
      const t0 = runs.find((r) => tagsOf(r)['xp.trial_number'] === '0' && r.info.status === 'RUNNING');
      if (t0 && (await epochsLogged(t0.info.run_id)) >= 1) break;
      await sleep(300);
    }
    killed.child.kill('SIGKILL');

    const res = await sweep.done;
    sweepCode = res.code;
    if (res.code !== 0) throw new Error(`xp sweep failed (${res.code}):\n${res.stderr}`);
    parent = await getRun(server.url, runIdFromOutput(res.stdout));
    children = await childRuns(server.url, parent);
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
    const q = new Queue(queueName, { connection: { host: '127.0.0.1', port: 6379 } });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function waitForParent(sweep: Started): Promise<string> {
    const re = /sweep distributed\.yaml: started \S+\/runs\/([0-9a-f]{32})/;
    await sweep.waitFor(re);
    return re.exec(sweep.stderr())![1];
  }

  async function epochsLogged(runId: string): Promise<number> {
    const res = await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=val_loss`);
    return ((await res.json()) as { metrics?: unknown[] }).metrics?.length ?? 0;
  }

  it('finishes the sweep and its parent run', () => {
    expect(sweepCode).toBe(0);
    expect(parent.info.status).toBe('FINISHED');
  });

  it('ends every trial with exactly one FINISHED run: nothing lost, nothing run twice to completion', () => {
    const finished = children.filter((c) => c.info.status === 'FINISHED').map((c) => tagsOf(c)['xp.trial_number']);
    expect(finished.sort()).toEqual(['0', '1', '2', '3']);
    expect(children.filter((c) => c.info.status === 'RUNNING')).toEqual([]);
  });

  it('times each trial from enqueue to training start with xp.timing.* tags, in order, from warm trial processes', () => {
    const order = ['enqueued', 'picked', 'main_started', 'backend_load_started', 'backend_ready', 'run_created', 'training_started'];
    for (const c of children.filter((r) => r.info.status === 'FINISHED')) {
      const t = tagsOf(c);
      const marks = order.map((k) => Number(t[`xp.timing.${k}`]));
      expect(marks.every(Number.isInteger), JSON.stringify(t)).toBe(true);
      expect([...marks].sort((a, b) => a - b)).toEqual(marks);
      // Workers keep a warm process per slot: TensorFlow was loaded before the trial reached it.
      expect(Number(t['xp.timing.warm_ready'])).toBeLessThanOrEqual(Number(t['xp.timing.main_started']));
      expect(Number(t['xp.timing.process_started'])).toBeLessThan(Number(t['xp.timing.warm_ready']));
    }
  });

  it("ends the dead worker's attempt KILLED, and retries the trial as a new run on the other worker", async () => {
    const t0 = children.filter((c) => tagsOf(c)['xp.trial_number'] === '0');
    expect(t0.map((c) => c.info.status)).toEqual(['KILLED', 'FINISHED']);
    expect(tagsOf(t0[0])['xp.killed_by']).toMatch(/SIGTERM|lost/);
    expect(tagsOf(t0[0])['xp.trial_attempt']).not.toBe(tagsOf(t0[1])['xp.trial_attempt']);
    await survivor.waitFor(/trial 0: starting \(job \S+, attempt 1, stalled 1×\)/, 1000);
  });
});

describe('xp sweep --queue --resume: a stopped distributed sweep continues where it stopped', () => {
  const queueName = `xp-e2e-resume-${process.pid}-${Date.now()}`;
  const queue = `redis://127.0.0.1:6379?queue=${queueName}`;
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let worker: Started;
  let env: Record<string, string>;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-queue-resume-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    env = { XP_STATE_DIR: path.join(tmp, 'state'), MLFLOW_TRACKING_URI: server.url };
    worker = startXp(['worker', '--queue', queue], env);
    await worker.waitFor(/worker: taking trials/);
  });

  afterAll(async () => {
    if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
    await worker.done;
    const q = new Queue(queueName, { connection: { host: '127.0.0.1', port: 6379 } });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finishes every trial once on --resume: none finished before the stop runs again, nothing is left waiting in the queue', async () => {
    const first = startXp(['sweep', 'test/fixtures/sweep/queue-resume.yaml', '--queue', queue], env);
    await first.waitFor(/trial \d COMPLETE/);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code, `${stopped.stderr}\n--- stdout:\n${stopped.stdout}`).toBe(130);
    const parent = await getRun(server.url, runIdFromOutput(stopped.stdout));
    expect(parent.info.status).toBe('KILLED');
    const before = await childRuns(server.url, parent);
    const doneBefore = before.filter((c) => c.info.status === 'FINISHED').map((c) => tagsOf(c)['xp.trial_number']);
    expect(doneBefore.length).toBeGreaterThanOrEqual(1);
    // The stop took the waiting job off the queue; the job the worker had goes on (found again on resume).
    const waiting = await new Queue(queueName, { connection: { host: '127.0.0.1', port: 6379 } });
    expect(await waiting.getJobs(['waiting', 'delayed', 'prioritized'])).toEqual([]);
    await waiting.close();

    const resumed = await startXp(['sweep', 'test/fixtures/sweep/queue-resume.yaml', '--queue', queue, '--resume'], env).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(runIdFromOutput(resumed.stdout)).toBe(parent.info.run_id);
    const after = await childRuns(server.url, parent);
    const finished = after.filter((c) => c.info.status === 'FINISHED').map((c) => tagsOf(c)['xp.trial_number']);
    expect(finished.sort()).toEqual(['0', '1', '2', '3']);
    for (const n of doneBefore) expect(after.filter((c) => tagsOf(c)['xp.trial_number'] === n)).toHaveLength(1);
    expect(after.filter((c) => c.info.status === 'RUNNING')).toEqual([]);
    const final = await getRun(server.url, parent.info.run_id);
    expect(final.info.status).toBe('FINISHED');
    expect(tagsOf(final)['xp.sweep_state']).toBe('finished');
  }, 300_000);
});
