// Tree-structured Parzen Estimator (Bergstra et al. 2011), Optuna's algorithm with defaults tuned for sweeps
// of tens of trials (see TpeSamplerOptions and bench/tpe).
//
// Written here because npm has no maintained TPE: checked `hyperparameters` (a 2019-era partial hyperopt
// port on Babel 6, untyped, keeps its own trial store rather than taking a history), `hyperopt` (a native
// dlib binding for LIPO/trust-region, not TPE, needing a C++ build) and `optuna` / `tpe-js` (not published).
import type { Goal, ParamValue, Sampler, TrialRecord } from '../types.js';
import { observationWeights, ParzenEstimator, type BandwidthClip } from './parzen-estimator.js';
import { RandomSampler } from './random-sampler.js';
import { drawParams, paramRng, type SearchSpace } from './search-space.js';
import { codecOf } from './tpe-codec.js';

/** Options of {@link TpeSampler}. */
export interface TpeSamplerOptions {
  /** Whether larger or smaller trial values are better. */
  goal: Goal;
  /** The sweep's `seed`. Defaults to 0. */
  seed?: number;
  /**
   * Finished (complete or pruned) trials sampled at random before TPE takes over. Defaults to
   * {@link defaultStartupTrials}: the number of parameters + 2, at most 10 (Optuna's fixed 10 spends half
   * of a 20-trial sweep on random search).
   */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter; the one with the largest l(x)/g(x) is taken. Defaults to 24 (Optuna's; 48 and 100 measured no better). */
  nEiCandidates?: number;
  /** How many of `n` finished trials form the good group. Defaults to {@link defaultGamma}. */
  gamma?: (n: number) => number;
  /** Model the unconditional parameters jointly (Optuna 5's default) instead of one at a time. Defaults to true. */
  multivariate?: boolean;
  /** The lower clip of numeric kernel widths. Defaults to {@link BandwidthClip}'s (Δ = 0.01, α = 1.5). */
  bandwidthClip?: BandwidthClip;
}

/**
 * The best 15 % of the finished trials, at most 25. Optuna's 10 % puts a single trial in the good group
 * until the 11th, so l(x) is one kernel plus the prior; 15 % gives it two from the 7th on (Watanabe 2023
 * studies β in 0.05–0.25 for this linear split).
 */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.15 * n), 25);

/**
 * Random trials before TPE: the number of parameters + 2, at most 10. That is enough for a first good/bad
 * split to tell something in every dimension, and leaves most of a short sweep to the model.
 */
export const defaultStartupTrials = (nParameters: number): number => Math.min(10, nParameters + 2);

/**
 * Models the good and the bad trials' parameters separately and proposes values likely under the good ones.
 *
 * Finished trials are split into the best `gamma(n)` (complete trials ranked by value; pruned ones only if
 * too few are complete, latest epoch first, as Optuna does) and the rest, pruned included. Parzen estimators
 * l(x) of the good and g(x) of the rest are built (log space for log_uniform, one bin per step for integers
 * and `q`, smoothed counts for `values`), `nEiCandidates` points are drawn from l and the one maximising
 * l(x)/g(x) — the expected improvement — wins. With `multivariate` (the default, as in Optuna 5) the
 * unconditional parameters share one joint estimator, which captures interactions such as learning rate ×
 * batch size; conditional parameters are always sampled one at a time. Running and failed trials are ignored
 * (no constant liar: with `parallel: 2` the two running trials may get similar values).
 *
 * Where it departs from Optuna's defaults, for sweeps of tens of trials (measured in bench/tpe): fewer
 * startup trials ({@link defaultStartupTrials}), a 15 % good group ({@link defaultGamma}), a bandwidth clip
 * that narrows faster ({@link BandwidthClip}), and neighbour-distance bandwidths in the multivariate
 * estimator too (Optuna's fixed Scott-style width there did worse on the search space).
 *
 * Nothing is remembered between calls: the result depends only on (seed, trial number, history), so a resumed
 * or distributed sweep samples the same values. The first `nStartupTrials` are the {@link RandomSampler}'s.
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  private readonly random: RandomSampler;
  private readonly seed: number;
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly gamma: (n: number) => number;
  private readonly multivariate: boolean;

  constructor(
    private readonly space: SearchSpace,
    private readonly options: TpeSamplerOptions,
  ) {
    const { goal, seed = 0, nStartupTrials = defaultStartupTrials(Object.keys(space).length), nEiCandidates = 24, gamma = defaultGamma, multivariate = true } = options;
    if (goal !== 'maximize' && goal !== 'minimize') throw new RangeError(`TpeSampler: goal must be 'maximize' or 'minimize', but got goal=${String(goal)}`);
    if (!Number.isInteger(nStartupTrials) || nStartupTrials < 0) throw new RangeError(`TpeSampler: nStartupTrials must be a non-negative integer, but got nStartupTrials=${nStartupTrials}`);
    if (!Number.isInteger(nEiCandidates) || nEiCandidates < 1) throw new RangeError(`TpeSampler: nEiCandidates must be at least 1, but got nEiCandidates=${nEiCandidates}`);
    this.random = new RandomSampler(space, { seed });
    this.seed = seed;
    this.nStartupTrials = nStartupTrials;
    this.nEiCandidates = nEiCandidates;
    this.gamma = gamma;
    this.multivariate = multivariate;
  }

  sample(trialNumber: number, history: readonly TrialRecord[]): Record<string, ParamValue> {
    const { below, above } = this.split(history);
    if (below.length + above.length < Math.max(this.nStartupTrials, 1)) return this.random.sample(trialNumber, history);
    // Multivariate: the parameters every trial has (those without `when`) are modelled jointly; conditional
    // ones, present in only some trials, one at a time.
    const joint = this.multivariate ? Object.keys(this.space).filter((n) => this.space[n].when === undefined) : [];
    const together = joint.length ? this.suggest(joint, 'joint', trialNumber, below, above) : {};
    return drawParams(this.space, (name) => (name in together ? together[name] : this.suggest([name], name, trialNumber, below, above)[name]));
  }

  /** The good (`below`, as in "below the loss threshold") and bad trials, each in trial-number order. */
  private split(history: readonly TrialRecord[]): { below: TrialRecord[]; above: TrialRecord[] } {
    const sign = this.options.goal === 'maximize' ? -1 : 1;
    const complete = history.filter((t) => t.state === 'COMPLETE' && Number.isFinite(t.value));
    const pruned = history.filter((t) => t.state === 'PRUNED' && lastEpoch(t) !== undefined);
    const rankedComplete = complete.sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
    const rankedPruned = pruned.sort((a, b) => lastEpoch(b)! - lastEpoch(a)! || sign * (lastValue(a) - lastValue(b)) || a.number - b.number);
    const ranked = [...rankedComplete, ...rankedPruned];
    const nBelow = Math.max(0, Math.min(ranked.length, Math.floor(this.gamma(ranked.length))));
    const byNumber = (a: TrialRecord, b: TrialRecord) => a.number - b.number;
    return { below: ranked.slice(0, nBelow).sort(byNumber), above: ranked.slice(nBelow).sort(byNumber) };
  }

  /** Values of `names` (one joint estimator over all of them), from the stream `stream` of this trial. */
  private suggest(names: string[], stream: string, trialNumber: number, below: TrialRecord[], above: TrialRecord[]): Record<string, ParamValue> {
    const codecs = names.map((n) => codecOf(this.space[n]));
    // Only trials that have every one of the parameters (with a value still in the space) are observations.
    const estimator = (trials: TrialRecord[]) => {
      const rows = trials.map((t) => names.map((n, i) => codecs[i].encode(t.params[n]))).filter((r): r is number[] => r.every((x) => x !== undefined));
      return new ParzenEstimator(codecs.map((c, i) => c.dimension(rows.map((r) => r[i]), this.options.bandwidthClip)), observationWeights(rows.length));
    };
    const [l, g] = [estimator(below), estimator(above)];
    // Snapped before scoring, so that each candidate is scored as the value it becomes.
    const candidates = l.sample(paramRng(this.seed, this.name, trialNumber, stream), this.nEiCandidates).map((x) => x.map((v, i) => codecs[i].snap(v)));
    const scores = candidates.map((x) => l.logPdf(x) - g.logPdf(x));
    const best = candidates[scores.indexOf(Math.max(...scores))];
    return Object.fromEntries(names.map((n, i) => [n, codecs[i].decode(best[i])]));
  }
}

function lastEpoch(t: TrialRecord): number | undefined {
  const epochs = Object.keys(t.intermediate).map(Number).filter((e) => Number.isFinite(t.intermediate[e]));
  return epochs.length ? Math.max(...epochs) : undefined;
}

function lastValue(t: TrialRecord): number {
  return t.intermediate[lastEpoch(t)!];
}
