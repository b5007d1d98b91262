// The MLflow server xp manages: started from the setup venv, bound to 127.0.0.1 only, its store and
// artifacts under the project's state dir, reused across xp processes through `<stateDir>/mlflow/server.json`.
import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs, readFileSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { MlflowServerStartError } from './errors.js';
import {
  acquireLock, forgetOnExit, isAlive, killProcessGroup, processCommandLine, signalGroup, stopOnExit, tailFile,
} from './process-group.js';
import { mlflowBin, mlflowVenvDir } from './venv.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A running server and how to stop it. */
export interface ServerHandle {
  url: string;
  port: number;
  /** Leader of the server's process group. */
  pid: number;
  logFile: string;
  /** Stops the whole process group (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /** Defaults to a free port. */
  port?: number;
  /** e.g. `sqlite:////abs/mlflow.db` or `postgresql://postgres@127.0.0.1:5432/db`. */
  backendStoreUri: string;
  /** Where proxied artifacts are stored (--artifacts-destination). */
  artifactsDir: string;
  /** Defaults to {@link mlflowVenvDir}. */
  venv?: string;
  /** Server stdout+stderr. Defaults to `server.log` beside `artifactsDir`. */
  logFile?: string;
  /** Survive this process (own session, unref'd). Defaults to false: killed when this process exits. */
  detach?: boolean;
  /** How long to wait for /health. Defaults to 60 s. */
  startTimeoutMs?: number;
  /** Environment of the server. Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A free TCP port on 127.0.0.1 (asked of the OS; another process could still take it before use). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when GET `<url>/health` answers 200 within `timeoutMs`. */
export async function probeHealth(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `mlflow server` on 127.0.0.1 with proxied artifacts and one worker, and waits for /health.
 * MLflow's job runners (GenAI features, ~450 MB of extra processes) are off unless
 * MLFLOW_SERVER_ENABLE_JOB_EXECUTION is set. Used by ensureLocalServer and by e2e tests.
 */
export async function startServer(opts: StartServerOptions): Promise<ServerHandle> {
  const bin = mlflowBin(opts.venv ?? mlflowVenvDir(opts.env));
  const port = opts.port ?? (await findFreePort());
  const artifactsDir = path.resolve(opts.artifactsDir);
  const logFile = path.resolve(opts.logFile ?? path.join(path.dirname(artifactsDir), 'server.log'));
  await fs.mkdir(artifactsDir, { recursive: true });
  await fs.mkdir(path.dirname(logFile), { recursive: true });
  const env = { ...(opts.env ?? process.env) };
  env.MLFLOW_SERVER_ENABLE_JOB_EXECUTION ??= 'false';
  const args = [
    'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
    '--backend-store-uri', opts.backendStoreUri, '--artifacts-destination', artifactsDir, '--serve-artifacts',
  ];
  const fd = openSync(logFile, 'w');
  // detached: its own process group (so stop() reaches uvicorn too, and Ctrl-C in xp's terminal does not).
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd: path.dirname(logFile) });
  closeSync(fd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid as number));
    child.once('error', (e) => reject(new MlflowServerStartError(`cannot run ${bin}: ${e.message}`, logFile, '')));
  });
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    forgetOnExit(pid);
    await killProcessGroup(pid);
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!(await probeHealth(url))) {
    if (exit !== undefined || Date.now() > deadline) {
      await stop();
      const why = exit !== undefined ? `exited with ${exit}` : `did not answer ${url}/health within ${opts.startTimeoutMs ?? 60_000} ms`;
      throw new MlflowServerStartError(`mlflow server (${opts.backendStoreUri}) ${why}`, logFile, await tailFile(logFile));
    }
    await sleep(250);
  }
  // Never keep this process alive for the server's sake: an attached server is ended by the exit hook instead.
  child.unref();
  if (!opts.detach) stopOnExit(pid, () => signalGroup(pid, 'SIGTERM'));
  return { url, port, pid, logFile, stop };
}

/** Options of {@link ensureLocalServer}. */
export interface EnsureLocalServerOptions {
  /** The project's state dir (e.g. `<project>/.xp`); the server lives in `<stateDir>/mlflow/`. */
  stateDir: string;
  /** Port for a new server. Defaults to a free one. */
  port?: number;
  /** Defaults to `sqlite:///<abs stateDir>/mlflow/mlflow.db`. */
  backendStoreUri?: string;
  venv?: string;
  /** Keep the server running after this process exits. Defaults to false. */
  detach?: boolean;
  startTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The managed server for a state dir; `reused` when it was already running. */
export interface LocalServer extends ServerHandle {
  reused: boolean;
}

/** What `<stateDir>/mlflow/server.json` records. */
export interface ServerRecord {
  pid: number;
  port: number;
  url: string;
  backendStoreUri: string;
  detach: boolean;
  startedAt: string;
}

/**
 * Returns the state dir's server, starting one if none is healthy. A lock file serialises concurrent xp
 * processes (e.g. sweep workers), so they share one server instead of racing to start several.
 */
export async function ensureLocalServer(opts: EnsureLocalServerOptions): Promise<LocalServer> {
  const dir = path.join(path.resolve(opts.stateDir), 'mlflow');
  await fs.mkdir(dir, { recursive: true });
  const recordFile = path.join(dir, 'server.json');
  const release = await acquireLock(path.join(dir, 'server.lock'), (opts.startTimeoutMs ?? 60_000) + 30_000);
  try {
    const rec = await readRecord(recordFile);
    if (rec && isRecordedServer(rec)) {
      if (await probeHealth(rec.url)) {
        const conflict = (opts.backendStoreUri && opts.backendStoreUri !== rec.backendStoreUri) || (opts.port && opts.port !== rec.port);
        if (conflict) {
          throw new MlflowServerStartError(
            `an MLflow server for ${opts.stateDir} already runs at ${rec.url} (${rec.backendStoreUri}, pid ${rec.pid}); stop it (\`npx xp server stop\` or kill ${rec.pid}) to start one with other settings`,
            path.join(dir, 'server.log'), '',
          );
        }
        return { ...handleFor(rec, recordFile, path.join(dir, 'server.log')), reused: true };
      }
      await killProcessGroup(rec.pid); // ours (command line matches) but not answering: replace it
    }
    const backendStoreUri = opts.backendStoreUri ?? `sqlite:///${path.join(dir, 'mlflow.db')}`;
    const h = await startServer({
      port: opts.port, backendStoreUri, artifactsDir: path.join(dir, 'artifacts'), logFile: path.join(dir, 'server.log'),
      venv: opts.venv, detach: opts.detach, startTimeoutMs: opts.startTimeoutMs, env: opts.env,
    });
    const record: ServerRecord = { pid: h.pid, port: h.port, url: h.url, backendStoreUri, detach: Boolean(opts.detach), startedAt: new Date().toISOString() };
    await fs.writeFile(recordFile, `${JSON.stringify(record, null, 2)}\n`);
    if (!opts.detach) {
      stopOnExit(h.pid, () => {
        signalGroup(h.pid, 'SIGTERM');
        removeRecordSync(recordFile, h.pid);
      });
    }
    return { ...handleFor(record, recordFile, h.logFile), stop: async () => { await h.stop(); removeRecordSync(recordFile, h.pid); }, reused: false };
  } finally {
    await release();
  }
}

/** The state dir's server when one is running and healthy, else null. */
export async function localServerStatus(stateDir: string): Promise<(ServerRecord & { logFile: string }) | null> {
  const dir = path.join(path.resolve(stateDir), 'mlflow');
  const rec = await readRecord(path.join(dir, 'server.json'));
  if (!rec || !isRecordedServer(rec) || !(await probeHealth(rec.url))) return null;
  return { ...rec, logFile: path.join(dir, 'server.log') };
}

/** Stops the state dir's server (whole process group); false when none was running. A stale record is removed. */
export async function stopLocalServer(stateDir: string): Promise<boolean> {
  const recordFile = path.join(path.resolve(stateDir), 'mlflow', 'server.json');
  const rec = await readRecord(recordFile);
  if (!rec) return false;
  const running = isRecordedServer(rec);
  if (running) await killProcessGroup(rec.pid);
  removeRecordSync(recordFile, rec.pid);
  return running;
}

// The recorded pid is alive and (where /proc tells) still runs this store: pids are recycled, and a
// recycled pid must never be killed or trusted.
function isRecordedServer(rec: ServerRecord): boolean {
  if (!isAlive(rec.pid)) return false;
  const cmd = processCommandLine(rec.pid);
  return cmd === null || (cmd.includes('mlflow') && cmd.includes(rec.backendStoreUri));
}

function handleFor(rec: ServerRecord, recordFile: string, logFile: string): ServerHandle {
  return {
    url: rec.url, port: rec.port, pid: rec.pid, logFile,
    stop: async () => {
      await killProcessGroup(rec.pid);
      removeRecordSync(recordFile, rec.pid);
    },
  };
}

async function readRecord(file: string): Promise<ServerRecord | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ServerRecord;
  } catch {
    return null;
  }
}

function removeRecordSync(file: string, pid: number): void {
  try {
    // Only our own record: another process may have replaced it with a newer server.
    if ((JSON.parse(readFileSync(file, 'utf8')) as ServerRecord).pid === pid) unlinkSync(file);
  } catch {
    /* already gone */
  }
}
