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
