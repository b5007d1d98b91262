import type { Goal, ParamValue, Sampler, TrialRecord } from '../types.js';

/**
 * Runs a sweep against a function instead of training runs, one trial at a time: each trial is sampled
 * with the history so far, then completed with `objective(params)`. For tests and benchmarks of samplers.
 *
 * @returns The history, in trial order.
 * @example const best = bestValue(simulateSweep(sampler, (p) => -((p.x as number) - 1) ** 2, 30), 'maximize');
 */
export function simulateSweep(sampler: Sampler, objective: (params: Record<string, ParamValue>) => number, nTrials: number): TrialRecord[] {
  const history: TrialRecord[] = [];
  for (let number = 0; number < nTrials; number++) {
    const params = sampler.sample(number, history);
    history.push({ number, params, state: 'COMPLETE', value: objective(params), intermediate: {} });
  }
  return history;
}

/** The best value of the first `n` trials (all when `n` is left out). */
export function bestValue(history: readonly TrialRecord[], goal: Goal, n = history.length): number {
  const values = history.slice(0, n).map((t) => t.value ?? NaN).filter(Number.isFinite);
  return goal === 'maximize' ? Math.max(...values) : Math.min(...values);
}
