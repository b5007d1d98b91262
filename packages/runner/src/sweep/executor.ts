import type { TrialExit } from './trial-process.js';
import type { TrialSpec } from './trial-spec.js';

/** Runs trial attempts; the coordinator decides how many are in flight. */
export interface TrialExecutor {
  /** Where trials run, for messages (`local, 2 at a time`, `queue redis://…`). */
  readonly description: string;
  /** Runs one attempt and resolves when it has ended (however it ended). */
  run(spec: TrialSpec): Promise<TrialExit>;
  /** Stops whatever this executor still runs or waits for; running attempts end KILLED. */
  close(): Promise<void>;
}

/** The exit of a trial that an executor, closed because the sweep is stopping, did not start. */
export function notStarted(spec: Pick<TrialSpec, 'trialNumber'>): TrialExit {
  return { trialNumber: spec.trialNumber, code: null, signal: 'SIGTERM', logFile: '', tail: 'not started: the sweep was stopping' };
}
