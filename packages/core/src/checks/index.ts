import type { ExperimentConfig } from '../schema/experiment.js';
import { checkCanvasHeight } from './canvas-height.js';
import { checkCanvasWidth } from './canvas-width.js';
import type { CheckIssue, ConfigCheck } from './check.js';
import { checkMinMaxLen } from './min-max-len.js';
import { checkModelPooling } from './model-pooling.js';

export { MNIST_DIGIT_PX, type CheckIssue, type ConfigCheck } from './check.js';

/** Every cross-field rule, run in this order. A constant list: adding a rule means adding it here. */
export const CONFIG_CHECKS: readonly ConfigCheck[] = [checkMinMaxLen, checkCanvasWidth, checkCanvasHeight, checkModelPooling];

/** Runs every rule and returns all their issues. */
export function runChecks(config: ExperimentConfig, checks: readonly ConfigCheck[] = CONFIG_CHECKS): CheckIssue[] {
  return checks.flatMap((check) => check(config));
}
