// Starts one trial as a child process (trial-main.js) and reports how it ended. Used by the local executor
// and by workers. The child's output goes to a log file: the terminal belongs to the sweep's progress display.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
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

/**
 * Starts `spec` in a child process with `env` added (thread pinning) and MLFLOW_TRACKING_URI set to the
 * sweep's server. stdin stays an open pipe: the child stops itself when it closes (see trial-main.ts).
 */
export function startTrialProcess(spec: TrialSpec, opts: { env?: Record<string, string>; logFile: string }): TrialProcess {
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [trialEntry()], {
      env: { ...process.env, ...opts.env, MLFLOW_TRACKING_URI: spec.trackingUri, [TRIAL_SPEC_ENV]: JSON.stringify(spec), TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
      stdio: ['pipe', out, out],
    });
  } finally {
    closeSync(out);
  }
  // The child may exit before reading stdin; a write-side EPIPE is expected then, not an error.
  child.stdin?.on('error', () => undefined);
  const done = new Promise<TrialExit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) =>
      void tailFile(opts.logFile, 30).then((tail) => resolve({ trialNumber: spec.trialNumber, code, signal, logFile: opts.logFile, tail }));
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
