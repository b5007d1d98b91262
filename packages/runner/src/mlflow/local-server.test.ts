import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlflowNotInstalledError } from './errors.js';
import { findFreePort, localServerStatus, stopLocalServer } from './local-server.js';
import { acquireLock } from './process-group.js';
import { MLFLOW_VERSION, mlflowBin, mlflowVenvDir } from './venv.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'xp-mlflow-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('mlflowVenvDir / mlflowBin', () => {
  it('resolves like scripts/setup-mlflow.sh: XP_MLFLOW_VENV, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(mlflowVenvDir({ XP_MLFLOW_VENV: '/opt/v' })).toBe('/opt/v');
    expect(mlflowVenvDir({ XDG_CACHE_HOME: '/c' })).toBe(`/c/xp/venv-mlflow-${MLFLOW_VERSION}`);
    expect(mlflowVenvDir({ XDG_CACHE_HOME: '', HOME: '/home/u' })).toBe(`/home/u/.cache/xp/venv-mlflow-${MLFLOW_VERSION}`);
  });

  it('says to run `npm run setup` when the venv is missing', () => {
    const run = () => mlflowBin(path.join(tmp, 'no-venv'));
    expect(run).toThrow(MlflowNotInstalledError);
    expect(run).toThrow(/run `npm run setup`/);
  });
});

describe('findFreePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await findFreePort();
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(port, '127.0.0.1', resolve));
    srv.close();
  });
});

describe('state-dir records', () => {
  it('reports no server and stops nothing for an empty state dir', async () => {
    expect(await localServerStatus(path.join(tmp, 'state'))).toBeNull();
    expect(await stopLocalServer(path.join(tmp, 'state'))).toBe(false);
  });

  it('serialises lock holders and takes over a dead holder’s lock', async () => {
    const file = path.join(tmp, 'a.lock');
    const release = await acquireLock(file, 1000);
    await expect(acquireLock(file, 300)).rejects.toThrow(/waiting for .*a\.lock, held by pid/);
    await release();
    writeFileSync(file, '999999999'); // no such process
    await (await acquireLock(file, 300))();
  });
});
