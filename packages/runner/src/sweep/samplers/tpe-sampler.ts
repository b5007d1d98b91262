// Tree-structured Parzen Estimator (Bergstra et al. 2011), univariate, with Optuna's defaults.
//
// Written here because npm has no maintained TPE: checked `hyperparameters` (a 2019-era partial hyperopt
// port on Babel 6, untyped, keeps its own trial store rather than taking a history), `hyperopt` (a native
// dlib binding for LIPO/trust-region, not TPE, needing a C++ build) and `optuna` / `tpe-js` (not published).
import { isCategorical, quantize, sameValue, valueRange, type ParameterSpec } from '@xp/core';
import type { Goal, ParamValue, Sampler, TrialRecord } from '../types.js';
import { CategoricalParzenEstimator, NumericParzenEstimator, observationWeights } from './parzen-estimator.js';
import { RandomSampler } from './random-sampler.js';
import { copyValue, drawParams, paramRng, stepOf, type SearchSpace } from './search-space.js';

/** Options of {@link TpeSampler}. */
export interface TpeSamplerOptions {
  /** Whether larger or smaller trial values are better. */
  goal: Goal;
  /** The sweep's `seed`. Defaults to 0. */
  seed?: number;
  /** Finished (complete or pruned) trials sampled at random before TPE takes over. Defaults to 10. */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter; the one with the largest l(x)/g(x) is taken. Defaults to 24. */
  nEiCandidates?: number;
  /** How many of `n` finished trials form the good group. Defaults to Optuna's min(ceil(0.1·n), 25). */
  gamma?: (n: number) => number;
}

/** Optuna's default split: the best 10 % of the finished trials, at most 25. */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/**
 * Models the good and the bad trials' parameters separately and proposes values likely under the good ones.
 *
 * Finished trials are split into the best `gamma(n)` (complete trials ranked by value; pruned ones only if
 * too few are complete, latest epoch first, as Optuna does) and the rest, pruned included. For each active
 * parameter, Parzen estimators l(x) of the good and g(x) of the rest are built (log space for log_uniform,
 * one bin per step for integers and `q`, smoothed counts for `values`), `nEiCandidates` draws are taken from
 * l and the one maximising l(x)/g(x) — the expected improvement — wins. Running and failed trials are ignored.
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

  constructor(
    private readonly space: SearchSpace,
    private readonly options: TpeSamplerOptions,
  ) {
    const { goal, seed = 0, nStartupTrials = 10, nEiCandidates = 24, gamma = defaultGamma } = options;
    if (goal !== 'maximize' && goal !== 'minimize') throw new RangeError(`TpeSampler: goal must be 'maximize' or 'minimize', but got goal=${String(goal)}`);
    if (!Number.isInteger(nStartupTrials) || nStartupTrials < 0) throw new RangeError(`TpeSampler: nStartupTrials must be a non-negative integer, but got nStartupTrials=${nStartupTrials}`);
    if (!Number.isInteger(nEiCandidates) || nEiCandidates < 1) throw new RangeError(`TpeSampler: nEiCandidates must be at least 1, but got nEiCandidates=${nEiCandidates}`);
    this.random = new RandomSampler(space, { seed });
    this.seed = seed;
    this.nStartupTrials = nStartupTrials;
    this.nEiCandidates = nEiCandidates;
    this.gamma = gamma;
  }

  sample(trialNumber: number, history: readonly TrialRecord[]): Record<string, ParamValue> {
    const { below, above } = this.split(history);
    if (below.length + above.length < Math.max(this.nStartupTrials, 1)) return this.random.sample(trialNumber, history);
    return drawParams(this.space, (name, spec) => this.suggest(name, spec, trialNumber, below, above));
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

  private suggest(name: string, spec: ParameterSpec, trialNumber: number, below: TrialRecord[], above: TrialRecord[]): ParamValue {
    const rng = paramRng(this.seed, this.name, trialNumber, name);
    if (isCategorical(spec)) {
      const index = (ts: TrialRecord[]) => ts.map((t) => (name in t.params ? spec.values.findIndex((v) => sameValue(v, t.params[name])) : -1)).filter((i) => i >= 0);
      const [l, g] = [below, above].map((ts) => index(ts)).map((obs) => new CategoricalParzenEstimator(obs, observationWeights(obs.length), spec.values.length));
      const draws = l.sample(rng, this.nEiCandidates);
      return copyValue(spec.values[draws[best(draws, l, g)]]);
    }
    const log = spec.distribution === 'log_uniform';
    const step = log ? undefined : stepOf(spec);
    const toSpace = (x: number) => (log ? Math.log(x) : x);
    const { low, high } = valueRange(spec);
    const [lo, hi] = [toSpace(low), toSpace(high)];
    const values = (ts: TrialRecord[]) =>
      ts.map((t) => t.params[name]).filter((v): v is number => typeof v === 'number' && v >= low && v <= high).map(toSpace);
    const [l, g] = [below, above].map((ts) => values(ts)).map((obs) => new NumericParzenEstimator(obs, observationWeights(obs.length), lo, hi, step));
    // Rounded to the parameter's steps before scoring, so that each candidate is scored as the value it becomes.
    const candidates = l.sample(rng, this.nEiCandidates).map((x) => toSpace(quantize(spec, log ? Math.exp(x) : x)));
    const x = candidates[best(candidates, l, g)];
    return quantize(spec, log ? Math.exp(x) : x);
  }
}

/** Index of the candidate with the largest l(x)/g(x); the first one on ties. */
function best(candidates: number[], l: { logPdf(x: number): number }, g: { logPdf(x: number): number }): number {
  let arg = 0;
  let top = -Infinity;
  candidates.forEach((x, i) => {
    const score = l.logPdf(x) - g.logPdf(x);
    if (score > top) [arg, top] = [i, score];
  });
  return arg;
}

function lastEpoch(t: TrialRecord): number | undefined {
  const epochs = Object.keys(t.intermediate).map(Number).filter((e) => Number.isFinite(t.intermediate[e]));
  return epochs.length ? Math.max(...epochs) : undefined;
}

function lastValue(t: TrialRecord): number {
  return t.intermediate[lastEpoch(t)!];
}
