import type { ExperimentConfig } from '../schema/experiment.js';
import type { CheckIssue, ConfigCheck } from './check.js';

export { type CheckIssue, type ConfigCheck } from './check.js';
export { CORE_CHECKS } from './training-checks.js';

/** Runs every rule (the registries' own, see `SchemaExtensions.checks`) and returns all their issues. */
export function runChecks(config: ExperimentConfig, checks: readonly ConfigCheck[]): CheckIssue[] {
  return checks.flatMap((check) => check(config));
}
