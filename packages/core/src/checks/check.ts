import type { ExperimentConfig } from '../schema/experiment.js';

/** A problem found by a cross-field check. */
export interface CheckIssue {
  /** JSON pointer of the value to blame (its place in the file is looked up from it). */
  pointer: string;
  message: string;
}

/**
 * A rule that spans several fields, run only on a config that already passed the schema, so it can trust
 * every type. One rule per function keeps each message specific (Ludwig's config checks do the same).
 */
export type ConfigCheck = (config: ExperimentConfig) => CheckIssue[];
