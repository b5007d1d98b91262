// MLflow server faults, against real `mlflow server` processes: SIGKILLed mid-run and restarted on the same
// port and store, down when the run ends (the spool and `xp sync`), unreachable at start, and --offline.
// The check is always the same: the run's metric history in MLflow equals the run's own CSV log, point for point.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, startServer } from '@xp/runner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { poll, rest, runIdFromUrl, startXp, xp } from './helpers.js';

interface Run {
  info: { run_id: string; status: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
}
interface Point {
  step: number;
  value: number;
  timestamp: number;
}

// About a second an epoch: long enough to kill and restart a server in the middle of a run.
const RUN = [
  'training.epochs=24', 'data.train.count=3072', 'data.val.count=64', 'data.test.count=64', 'model.filters=[8]', 'model.dense_units=16',
  'callbacks=[{type: csv_logger}]',
].flatMap((s) => ['--set', s]);
const TINY = ['training.epochs=2', 'data.train.count=128', 'data.val.count=32', 'data.test.count=32', 'model.filters=[4]', 'model.dense_units=8', 'callbacks=[{type: csv_logger}]'].flatMap((s) => [
  '--set',
  s,
]);

describe('MLflow server faults: nothing is lost', () => {
  let tmp: string;
  let port: number;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const store = () => ({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts'), port });
  const url = () => `http://127.0.0.1:${port}`;
  const stateDir = () => path.join(tmp, 'state');
  const env = () => ({ MLFLOW_TRACKING_URI: url(), XP_STATE_DIR: stateDir(), XP_SPOOL_WAIT_S: '3' });
  const getRun = async (id: string) => (await rest<{ run: Run }>(url(), `/api/2.0/mlflow/runs/get?run_id=${id}`)).run;
  const history = async (id: string, key: string) =>
    ((await rest<{ metrics?: Point[] }>(url(), `/api/2.0/mlflow/metrics/get-history?run_id=${id}&metric_key=${key}`)).metrics ?? []).sort((a, b) => a.step - b.step);
  const runCount = async () => {
    const exps = (await rest<{ experiments: { experiment_id: string }[] }>(url(), '/api/2.0/mlflow/experiments/search', { max_results: 1000 })).experiments;
    return ((await rest<{ runs?: unknown[] }>(url(), '/api/2.0/mlflow/runs/search', { experiment_ids: exps.map((e) => e.experiment_id), max_results: 1000 })).runs ?? []).length;
  };
  const spools = () => (fs.existsSync(path.join(stateDir(), 'spool')) ? fs.readdirSync(path.join(stateDir(), 'spool')) : []);
  /** SIGKILL to the whole server (gunicorn/uvicorn workers included), as a crash would. */
  const killServer = () => {
    process.kill(-server!.pid, 'SIGKILL');
    server = undefined;
  };

  /** Every metric of the run's CSV log, compared with MLflow's history: same steps, same values, no extra points. */
  async function expectHistoryEqualsCsv(runId: string, localName = runId): Promise<number> {
    const [header, ...rows] = fs.readFileSync(path.join(stateDir(), 'runs', localName, 'metrics.csv'), 'utf8').trim().split('\n');
    const cols = header.split(',');
    let points = 0;
    for (const [c, key] of cols.entries()) {
      if (key === 'epoch') continue;
      const expected = rows.map((r) => r.split(',')).filter((r) => r[c] !== '').map((r) => ({ step: Number(r[0]), value: Number(r[c]) }));
      const got = (await history(runId, key)).map((p) => ({ step: p.step, value: p.value }));
      expect(got, key).toEqual(expected);
      points += expected.length;
    }
    return points;
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-outage-'));
    port = await findFreePort();
    server = await startServer(store());
  });

  afterEach(async () => {
    server ??= await startServer(store());
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('server SIGKILLed mid-run and restarted on the same port and store: training goes on, MLflow ends with every point exactly once', async () => {
    const proc = startXp(['run', 'test/fixtures/tiny.yaml', ...RUN], { ...env(), XP_SPOOL_WAIT_S: '60' });
    const runId = await poll('the run URL', async () => (/MLflow run: (\S+)/.exec(proc.stderr()) ? runIdFromUrl(proc.stderr()) : undefined));
    await poll('epoch 0 in MLflow', async () => ((await history(runId, 'loss')).length > 0 ? true : undefined));
    const csv = path.join(stateDir(), 'runs', runId, 'metrics.csv');
    const rowsNow = () => (fs.existsSync(csv) ? fs.readFileSync(csv, 'utf8').trim().split('\n').length - 1 : 0);
    killServer();
    const killedAt = Date.now();
    const rowsAtKill = rowsNow();
    // Training must go on while the server is down (a restart alone takes seconds): two more epochs at least.
    await poll('two epochs during the outage', async () => (rowsNow() >= rowsAtKill + 2 ? true : undefined), 60_000);
    server = await startServer(store());
    // Usually the server is back mid-run and the backlog goes out while training continues; on a fast machine the
    // run may end first, and then its final wait (60 s here) sends it. Either way nothing may be missing.
    const endedFirst = rowsNow() >= 24;
    const restartedAt = Date.now();
    const res = await proc.done;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/MLflow: unreachable \(.*\); training continues/);
    expect(res.stderr).toMatch(/MLflow: reachable again after/);

    const run = await getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    const points = await expectHistoryEqualsCsv(runId);
    // Epochs that ended while the server was down carry their own time, not the time they were sent.
    const during = (await history(runId, 'loss')).filter((p) => p.timestamp > killedAt && p.timestamp < restartedAt);
    expect(during.length).toBeGreaterThanOrEqual(2);
    expect(await history(runId, 'test_exact_match')).toHaveLength(1);
    expect(spools()).toEqual([]);
    const times = fs.readFileSync(csv, 'utf8').trim().split('\n');
    const col = times[0].split(',').indexOf('epoch_time_s');
    const epochSecs = times.slice(1).map((l) => Number(l.split(',')[col]));
    // Training time lost to the outage: epochs that ended during it, against the median epoch outside it.
    const ends = (await history(runId, 'loss')).map((p) => p.timestamp);
    const inOutage = epochSecs.filter((_, i) => ends[i] > killedAt && ends[i] < restartedAt);
    const outside = epochSecs.filter((_, i) => !(ends[i] > killedAt && ends[i] < restartedAt)).sort((a, b) => a - b);
    const median = outside[Math.floor(outside.length / 2)];
    const lost = inOutage.reduce((s, t) => s + t - median, 0);
    console.log(
      `[outage] ${points} metric points in the CSV log, ${points} in MLflow after recovery; outage ${((restartedAt - killedAt) / 1000).toFixed(1)} s; ` +
        `${inOutage.length} epochs ended during it, ${lost.toFixed(2)} s slower than the median epoch (${median.toFixed(2)} s) in total` +
        (endedFirst ? ' (training ended before the server was back)' : ''),
    );
  });

  it('server down when the run ends: the rest stays in the spool, `xp sync` sends it, and replaying it again adds nothing', async () => {
    const proc = startXp(['run', 'test/fixtures/tiny.yaml', ...RUN, '--set', 'training.epochs=8'], env());
    const runId = await poll('the run URL', async () => (/MLflow run: (\S+)/.exec(proc.stderr()) ? runIdFromUrl(proc.stderr()) : undefined));
    await poll('epoch 0 in MLflow', async () => ((await history(runId, 'loss')).length > 0 ? true : undefined));
    killServer();
    const res = await proc.done;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/record\(s\) of this run are kept in .*`npx xp sync` sends them/);
    const [spool] = spools();
    expect(spool).toBeDefined();
    // A copy of the spool as it is now, to replay everything a second time below (as if every answer had been lost).
    const copy = path.join(tmp, 'spool-copy');
    fs.cpSync(path.join(stateDir(), 'spool', spool), copy, { recursive: true });

    server = await startServer(store());
    const sync = await xp(['sync'], env());
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout.trim()).toBe(runId);
    expect(spools()).toEqual([]);
    const run = await getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    const points = await expectHistoryEqualsCsv(runId);
    expect(points).toBeGreaterThan(8 * 5);

    fs.cpSync(copy, path.join(stateDir(), 'spool', spool), { recursive: true });
    fs.rmSync(path.join(stateDir(), 'spool', spool, 'cursor.json'), { force: true });
    const again = await xp(['sync'], env());
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(runId);
    await expectHistoryEqualsCsv(runId);
    const files = (await rest<{ files?: { path: string }[] }>(url(), `/api/2.0/mlflow/artifacts/list?run_id=${runId}`)).files?.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['config.resolved.yaml', 'metrics', 'model', 'plots']));
  });

  it('the next xp run sends what an earlier outage left in the spool, before its own run', async () => {
    const proc = startXp(['run', 'test/fixtures/tiny.yaml', ...RUN, '--set', 'training.epochs=6'], env());
    const runId = await poll('the run URL', async () => (/MLflow run: (\S+)/.exec(proc.stderr()) ? runIdFromUrl(proc.stderr()) : undefined));
    await poll('epoch 0 in MLflow', async () => ((await history(runId, 'loss')).length > 0 ? true : undefined));
    killServer();
    expect((await proc.done).code).toBe(0);
    expect(spools()).toHaveLength(1);
    server = await startServer(store());
    const next = await xp(['run', 'test/fixtures/tiny.yaml', ...TINY], env());
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain('MLflow: sent 1 spooled run(s) from an earlier outage or offline run');
    expect(spools()).toEqual([]);
    expect((await getRun(runId)).info.status).toBe('FINISHED');
    await expectHistoryEqualsCsv(runId);
  });

  it('--offline trains without a server; `xp sync` creates the run with everything, once', async () => {
    const res = await xp(['run', 'test/fixtures/tiny.yaml', '--offline', ...TINY], env());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/offline: nothing is sent/);
    // Offline, the run's local folder is named after its spool (there is no MLflow run id yet).
    const spoolId = /offline run (\S+)/.exec(res.stderr)?.[1];
    expect(spools()).toContain(spoolId);
    const before = await runCount();
    const sync = await xp(['sync'], env());
    expect(sync.code, sync.stderr).toBe(0);
    const runId = sync.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    const run = await getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params?.find((p) => p.key === 'training.epochs')?.value).toBe('2');
    await expectHistoryEqualsCsv(runId, spoolId);
    expect(await runCount()).toBe(before + 1);
    // Nothing left to send: a second sync is a no-op.
    const again = await xp(['sync'], env());
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('');
  });

  it('a server unreachable at start is a clear error naming the URI and --offline; nothing trains, nothing is spooled', async () => {
    const dead = `http://127.0.0.1:${await findFreePort()}`;
    const res = await xp(['run', 'test/fixtures/tiny.yaml', ...TINY], { ...env(), MLFLOW_TRACKING_URI: dead });
    expect(res.code).toBe(1);
    const last = res.stderr.trim().split('\n').at(-1);
    expect(last).toContain(`MLflow at ${dead} is not reachable, so nothing was started`);
    expect(last).toContain('--offline');
    expect(res.stderr).not.toMatch(/epoch 1\//);
    expect(spools()).toEqual([]);
  });
});
