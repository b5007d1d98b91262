// Starts one trial as a child process (trial-main.js) and reports how it ended. Used by the local executor
// and by workers. The child's output goes to a log file: the terminal belongs to the sweep's progress display.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tailFile } from '../mlflow/process-group.js';
import { TRIAL_SPEC_ENV, type TrialSpec } from './trial-spec.js';

/** How a trial process ended. */
export interface TrialExit {
  trialNumber: number;
  /** Exit code (0 = its run ended normally, 2 = its config did not validate), or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  logFile: string;
  /** The log's last lines, for error messages. */
  tail: string;
  /** Why the trial ended without an outcome when its process's exit does not say (e.g. its queue workers died). */
  reason?: string;
}

/** A started trial process. */
export interface TrialProcess {
  readonly child: ChildProcess;
  readonly done: Promise<TrialExit>;
  /** SIGTERM (the trainer then ends the run KILLED), SIGKILL after `graceMs`. Resolves once it exited. */
  stop(graceMs?: number): Promise<TrialExit>;
}

/**
 * The compiled trial entry. Under vitest this module runs from `src/`, whose `.ts` files node cannot start,
 * so the path is mapped to the package's `dist/` (built by `tsc -b`).
 */
export function trialEntry(): string {
  const here = fileURLToPath(new URL('./trial-main.js', import.meta.url));
  if (existsSync(here)) return here;
  const dist = here.replace(`${path.sep}src${path.sep}sweep${path.sep}`, `${path.sep}dist${path.sep}sweep${path.sep}`);
  if (!existsSync(dist)) throw new Error(`trial entry ${dist} not found; build the runner first (npx tsc -b packages/runner)`);
  return dist;
}

/** The environment variable that starts a trial process warm: it loads TensorFlow, then waits for its spec. */
export const TRIAL_WARM_ENV = 'XP_TRIAL_WARM';

/** Messages between a warm trial process and its worker (over the IPC channel). */
export type WarmMessage =
  | { type: 'ready' } // child → worker: TensorFlow and MNIST are loaded
  | { type: 'run'; spec: TrialSpec } // worker → child
  | { type: 'accepted' } // child → worker: the trial runs here
  | { type: 'training' } // child → worker: its training has begun
  | { type: 'declined'; reason: string }; // child → worker: it needs a process of its own (then exits)

/**
 * Starts `spec` in a child process with `env` added (thread pinning) and MLFLOW_TRACKING_URI set to the
 * sweep's server. stdin stays an open pipe: the child stops itself when it closes (see trial-main.ts).
 */
export function startTrialProcess(spec: TrialSpec, opts: { env?: Record<string, string>; logFile: string }): TrialProcess {
  const child = spawnTrial({ ...opts.env, MLFLOW_TRACKING_URI: spec.trackingUri, [TRIAL_SPEC_ENV]: JSON.stringify(spec) }, opts.logFile, false);
  return supervise(child, spec.trialNumber, () => opts.logFile);
}

/** A trial process started ahead of its trial (see {@link startWarmTrialProcess}). */
export interface WarmTrialProcess {
  /** Resolves true once it has loaded TensorFlow and waits for a trial; false if it exited first. */
  readonly ready: Promise<boolean>;
  /**
   * Hands it `spec` (its log moves to `logFile`). Resolves to the running trial, or to undefined when the
   * process declined it (an experiment with its own thread settings or backend needs a fresh process).
   */
  run(spec: TrialSpec, logFile: string): Promise<TrialProcess | undefined>;
  /** Resolves when the trial it took begins training (never, if it never does). */
  readonly training: Promise<void>;
  /** Ends it without a trial. */
  dispose(): Promise<void>;
}

/**
 * Starts a trial process before there is a trial for it: it imports the runner, loads TensorFlow (with
 * `env`'s thread settings) and reads MNIST, then waits. A worker keeps one per slot, so that a job it takes
 * starts training without paying for that start-up. Each process still runs one trial only, then exits.
 */
export function startWarmTrialProcess(opts: { env?: Record<string, string>; logFile: string }): WarmTrialProcess {
  const child = spawnTrial({ ...opts.env, [TRIAL_WARM_ENV]: '1' }, opts.logFile, true);
  // 'error': it could not start, or a message could not be sent because it had just exited.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.on('error', () => (child.exitCode === null && child.pid === undefined ? resolve() : undefined));
  });
  const next = (types: WarmMessage['type'][]) =>
    new Promise<WarmMessage | undefined>((resolve) => {
      const onMessage = (m: WarmMessage) => types.includes(m.type) && (child.off('message', onMessage), resolve(m));
      child.on('message', onMessage);
      void exited.then(() => (child.off('message', onMessage), resolve(undefined)));
    });
  const ready = next(['ready']).then((m) => m !== undefined);
  const training = new Promise<void>((resolve) => child.on('message', (m: WarmMessage) => m.type === 'training' && resolve()));
  let handed = false;
  return {
    ready,
    training,
    async run(spec, logFile) {
      if (handed) throw new Error('a warm trial process runs one trial only');
      handed = true;
      if (!(await ready)) return undefined;
      // The open log file moves with its name; the child keeps writing to it.
      mkdirSync(path.dirname(logFile), { recursive: true });
      renameSync(opts.logFile, logFile);
      const answer = next(['accepted', 'declined']);
      child.send({ type: 'run', spec } satisfies WarmMessage);
      const m = await answer;
      return m?.type === 'accepted' ? supervise(child, spec.trialNumber, () => logFile) : undefined;
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function spawnTrial(env: Record<string, string>, logFile: string, ipc: boolean): ChildProcess {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [trialEntry()], {
      env: { ...process.env, ...env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
      stdio: ipc ? ['pipe', out, out, 'ipc'] : ['pipe', out, out],
    });
  } finally {
    closeSync(out);
  }
}

/** How a started trial child ends, and how to stop it. */
function supervise(child: ChildProcess, trialNumber: number, logFile: () => string): TrialProcess {
  // The child may exit before reading stdin; a write-side EPIPE is expected then, not an error.
  child.stdin?.on('error', () => undefined);
  const done = new Promise<TrialExit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) =>
      void tailFile(logFile(), 30).then((tail) => resolve({ trialNumber, code, signal, logFile: logFile(), tail }));
    if (child.exitCode !== null || child.signalCode !== null) return finish(child.exitCode, child.signalCode);
    child.once('error', () => finish(1, null)); // could not start (resolving twice is harmless)
    child.once('exit', finish);
  });
  const stop = async (graceMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
    }
    return done;
  };
  return { child, done, stop };
}
