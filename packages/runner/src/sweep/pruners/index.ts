// Pruners by `early_termination.type`.
import type { SweepConfig } from '@xp/core';
import type { Pruner } from '../types.js';
import { AshaPruner } from './asha-pruner.js';
import { MedianPruner } from './median-pruner.js';

export { AshaPruner, type AshaPrunerOptions } from './asha-pruner.js';
export { MedianPruner, type MedianPrunerOptions } from './median-pruner.js';
export type { PrunerObjective } from './objective.js';

/**
 * The pruner of a validated sweep's `early_termination`, or null when trials always run to the end.
 *
 * @example const pruner = createPruner(config); if (pruner?.shouldPrune(trial, epoch, history).prune) stop();
 */
export function createPruner(config: SweepConfig): Pruner | null {
  const et = config.early_termination;
  if (et === undefined) return null;
  const objective = { metric: config.metric.name, goal: config.metric.goal, minEpochs: et.min_epochs };
  switch (et.type) {
    case 'asha':
      return new AshaPruner({ ...objective, reductionFactor: et.reduction_factor });
    case 'median':
      return new MedianPruner({ ...objective, nStartupTrials: et.n_startup_trials });
    default:
      throw new RangeError(`createPruner: unknown early_termination type '${String((et as { type: unknown }).type)}'; known: asha, median`);
  }
}
