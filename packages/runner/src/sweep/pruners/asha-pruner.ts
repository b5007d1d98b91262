import type { Pruner, TrialRecord } from '../types.js';
import { bestFirst, checkObjective, fmt, reportedValue, type PrunerObjective } from './objective.js';

/** Options of {@link AshaPruner}. */
export interface AshaPrunerOptions extends PrunerObjective {
  /** Keep the top 1/reductionFactor at each rung; rungs are at minEpochs·reductionFactor^k epochs. Defaults to 3. */
  reductionFactor?: number;
}

/**
 * Asynchronous successive halving (Li et al. 2020), as Optuna's SuccessiveHalvingPruner does it.
 *
 * Rung k is reached after minEpochs·reductionFactor^k epochs (epoch index one less: epochs are 0-based as
 * reported). At a rung the trial competes with every value recorded at that rung so far, by any trial in any
 * state, its own included: it goes on if it is within the top ⌊n/reductionFactor⌋, else it stops. While
 * fewer than reductionFactor values are recorded, only the best goes on (Optuna cannot pause a trial until
 * more arrive, and neither can xp). Between rungs nothing is decided, and a rung once passed is not revisited,
 * so the decision needs no memory of earlier calls. A NaN value at a rung prunes.
 *
 * @example new AshaPruner({ metric: 'val_loss', goal: 'minimize', minEpochs: 2, reductionFactor: 3 }).shouldPrune(trial, 1, history)
 */
export class AshaPruner implements Pruner {
  readonly name = 'asha';
  private readonly minEpochs: number;
  private readonly reductionFactor: number;

  constructor(private readonly options: AshaPrunerOptions) {
    this.minEpochs = checkObjective('AshaPruner', options);
    this.reductionFactor = options.reductionFactor ?? 3;
    if (!Number.isInteger(this.reductionFactor) || this.reductionFactor < 2) {
      throw new RangeError(`AshaPruner: reductionFactor must be an integer of at least 2, but got reductionFactor=${options.reductionFactor}`);
    }
  }

  /** The rung reached after `epochs` epochs, or undefined when `epochs` is not a rung. */
  rungAt(epochs: number): number | undefined {
    for (let k = 0, r = this.minEpochs; r <= epochs; k++, r *= this.reductionFactor) if (r === epochs) return k;
    return undefined;
  }

  shouldPrune(trial: TrialRecord, epoch: number, history: readonly TrialRecord[]): { prune: boolean; reason?: string } {
    const rung = this.rungAt(epoch + 1);
    const value = reportedValue(trial.intermediate, epoch);
    if (rung === undefined || value === undefined) return { prune: false };
    const { metric, goal } = this.options;
    const at = `at epoch ${epoch + 1}`;
    if (Number.isNaN(value)) return { prune: true, reason: `ASHA: ${metric} is NaN ${at} (rung ${rung})` };
    const others = history
      .filter((t) => t.number !== trial.number)
      .map((t) => reportedValue(t.intermediate, epoch))
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    const ranked = bestFirst([...others, value], goal);
    const n = ranked.length;
    const keep = Math.floor(n / this.reductionFactor);
    const threshold = ranked[Math.max(keep, 1) - 1];
    if (goal === 'maximize' ? value >= threshold : value <= threshold) return { prune: false };
    const rf = this.reductionFactor;
    const why =
      keep === 0
        ? `is not the best (${fmt(threshold)}) of ${n} trials at rung ${rung} (with fewer than ${rf}, only the best goes on)`
        : `is ${goal === 'maximize' ? 'below' : 'above'} the top 1/${rf} (${fmt(threshold)}) of ${n} trials at rung ${rung}`;
    return { prune: true, reason: `ASHA: ${metric} ${fmt(value)} ${at} ${why}` };
  }
}
