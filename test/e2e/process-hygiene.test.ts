// Processes xp starts never outlive it unless asked: the embedded MLflow server a run starts, and the trial
// processes and server of a sweep stopped with Ctrl+C, are gone when xp exits; `xp server start --detach`
// is the one way to keep a server running. Processes are found by the XP_STATE_DIR they inherited.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll, startXp, xp } from './helpers.js';

/** Pids of live processes whose environment has XP_STATE_DIR=`dir` (children of xp inherit it). */
function processesOf(dir: string): number[] {
  const needle = `XP_STATE_DIR=${dir}\0`;
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (`${fs.readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Waits (briefly) for processes to finish exiting: a SIGTERMed server takes a moment. */
const settle = (dir: string) => poll(`no processes of ${dir}`, async () => (processesOf(dir).length === 0 ? true : undefined), 15_000).catch(() => false);

describe('child processes never outlive xp', () => {
  let tmp: string;
  const envFor = (state: string) => {
    const env: Record<string, string> = { XP_STATE_DIR: state, MLFLOW_TRACKING_URI: '' };
    return env;
  };

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-hygiene-'));
  });
  afterAll(async () => {
    for (const d of fs.readdirSync(tmp)) await xp(['server', 'stop'], envFor(path.join(tmp, d)));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('xp run with the embedded server: the server it started is stopped when it exits', async () => {
    const state = path.join(tmp, 'run');
    const res = await xp(['run', 'test/fixtures/tiny.yaml', '--set', 'training.epochs=1', '--set', 'data.train.count=64'], envFor(state));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/started a local server at http:\/\/127\.0\.0\.1:\d+ for this command; it stops when xp exits/);
    await settle(state);
    expect(processesOf(state)).toEqual([]);
    expect(fs.existsSync(path.join(state, 'mlflow', 'server.json'))).toBe(false);
  });

  it('Ctrl+C on a local sweep: its trial processes and its server are gone when it exits', async () => {
    const state = path.join(tmp, 'sweep');
    const proc = startXp(['sweep', 'test/fixtures/sweep/local.yaml'], envFor(state));
    // Wait until trials run: the sweep, its server and at least one trial process.
    await poll('a running trial', async () => (/trial|Trial/.test(proc.stderr()) && processesOf(state).length >= 3 ? true : undefined), 120_000);
    proc.child.kill('SIGINT');
    const res = await proc.done;
    expect(res.code).not.toBe(0);
    await settle(state);
    expect(processesOf(state)).toEqual([]);
  });

  it('xp server start --detach keeps the server after the command exits; xp server stop ends it', async () => {
    const state = path.join(tmp, 'detached');
    const start = await xp(['server', 'start', '--detach'], envFor(state));
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/^MLflow UI: http:\/\/127\.0\.0\.1:\d+/);
    expect(processesOf(state).length).toBeGreaterThan(0);
    const stop = await xp(['server', 'stop'], envFor(state));
    expect(stop.stdout).toContain('MLflow server stopped');
    await settle(state);
    expect(processesOf(state)).toEqual([]);
  });
});
