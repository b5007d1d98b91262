import type { Pruner, TrialRecord } from '../types.js';
import { bestFirst, checkObjective, fmt, reportedValue, type PrunerObjective } from './objective.js';

/** Options of {@link MedianPruner}. */
export interface MedianPrunerOptions extends PrunerObjective {
  /** Completed trials needed before any trial is pruned (Optuna's n_startup_trials). Defaults to 1. */
  nStartupTrials?: number;
}

/**
 * Stops a trial whose value at an epoch is worse than the median of the completed trials' values at that
 * same epoch (Optuna's MedianPruner, with no warm-up beyond `minEpochs` and a decision every epoch).
 *
 * Epochs are 0-based as reported: the first decision is at epoch `minEpochs - 1`, i.e. once the trial has
 * trained `minEpochs` epochs. Nothing is decided until `nStartupTrials` other trials have completed, nor at an
 * epoch no completed trial reported (they may have stopped early). Unlike Optuna, which compares the trial's
 * best value so far, the value at the epoch itself is compared, as the sweep spec asks. A NaN value prunes.
 *
 * @example new MedianPruner({ metric: 'val_exact_match', goal: 'maximize', minEpochs: 2 }).shouldPrune(trial, 1, history)
 */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  private readonly minEpochs: number;
  private readonly nStartupTrials: number;

  constructor(private readonly options: MedianPrunerOptions) {
    this.minEpochs = checkObjective('MedianPruner', options);
    this.nStartupTrials = options.nStartupTrials ?? 1;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 1) {
      throw new RangeError(`MedianPruner: nStartupTrials must be at least 1, but got nStartupTrials=${options.nStartupTrials}`);
    }
  }

  shouldPrune(trial: TrialRecord, epoch: number, history: readonly TrialRecord[]): { prune: boolean; reason?: string } {
    const value = reportedValue(trial.intermediate, epoch);
    if (epoch + 1 < this.minEpochs || value === undefined) return { prune: false };
    const { metric, goal } = this.options;
    if (Number.isNaN(value)) return { prune: true, reason: `median: ${metric} is NaN at epoch ${epoch + 1}` };
    const completed = history.filter((t) => t.state === 'COMPLETE' && t.number !== trial.number);
    if (completed.length < this.nStartupTrials) return { prune: false };
    const others = completed.map((t) => reportedValue(t.intermediate, epoch)).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (others.length === 0) return { prune: false };
    const median = medianOf(others);
    if (goal === 'maximize' ? value >= median : value <= median) return { prune: false };
    const side = goal === 'maximize' ? 'below' : 'above';
    return {
      prune: true,
      reason: `median: ${metric} ${fmt(value)} at epoch ${epoch + 1} is ${side} the median (${fmt(median)}) of ${others.length} completed trial${others.length === 1 ? '' : 's'} at that epoch`,
    };
  }
}

function medianOf(values: number[]): number {
  const s = bestFirst(values, 'minimize');
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
