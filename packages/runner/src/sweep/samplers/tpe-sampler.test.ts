import { describe, expect, it } from 'vitest';
import type { Goal, ParamValue, TrialRecord } from '../types.js';
import { RandomSampler } from './random-sampler.js';
import type { SearchSpace } from './search-space.js';
import { bestValue, simulateSweep } from './simulate.js';
import { defaultGamma, defaultStartupTrials, TpeSampler } from './tpe-sampler.js';

type Objective = (p: Record<string, ParamValue>) => number;

const quadratic: [SearchSpace, Objective] = [{ x: { distribution: 'uniform', min: -5, max: 5 } }, (p) => ((p.x as number) - 1.3) ** 2];
const logScale: [SearchSpace, Objective] = [
  { lr: { distribution: 'log_uniform', min: 1e-5, max: 1e-1 }, dropout: { distribution: 'uniform', min: 0, max: 0.8 } },
  (p) => (Math.log10(p.lr as number) + 2.5) ** 2 + 4 * ((p.dropout as number) - 0.3) ** 2,
];

/** In how many of `seeds` seeds TPE's best after `n` trials beats random's best after `n`. */
function tpeWins([space, loss]: [SearchSpace, Objective], goal: Goal, n: number, seeds = 50): number {
  const f: Objective = goal === 'minimize' ? loss : (p) => -loss(p);
  let wins = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const tpe = bestValue(simulateSweep(new TpeSampler(space, { goal, seed }), f, n), goal);
    const random = bestValue(simulateSweep(new RandomSampler(space, { seed }), f, n), goal);
    if (goal === 'minimize' ? tpe < random : tpe > random) wins++;
  }
  return wins;
}

const trial = (number: number, params: Record<string, ParamValue>, value: number, state: TrialRecord['state'] = 'COMPLETE'): TrialRecord => ({
  number,
  params,
  state,
  value: state === 'COMPLETE' ? value : undefined,
  intermediate: { 0: value },
});

describe('TpeSampler', () => {
  // Measured: 47/50 (1-D, both goals) and 48/50 (2-D); with Optuna's defaults (10 startup trials, γ = 10 %,
  // clip exponent 1) about 35/50 and 46/50. The thresholds leave room for changes of random streams.
  it.each([
    ['a 1-D quadratic', quadratic, 'minimize'],
    ['a 1-D quadratic, maximised', quadratic, 'maximize'],
    ['a 2-D function with a log-scale dimension', logScale, 'minimize'],
  ] as const)('beats random search on %s in most seeds', (_what, problem, goal) => {
    expect(tpeWins(problem, goal, 30)).toBeGreaterThanOrEqual(42);
  });

  it('reaches random search\'s best of 40 trials within 20 trials in most seeds (the sweep issue\'s target)', () => {
    // bench/tpe measures this over 50 and 200 seeds: 40/50 here; Optuna's defaults reach 28/50.
    const [space, loss] = logScale;
    let reached = 0;
    for (let seed = 0; seed < 50; seed++) {
      const target = bestValue(simulateSweep(new RandomSampler(space, { seed: 10_000 + seed }), loss, 40), 'minimize');
      if (bestValue(simulateSweep(new TpeSampler(space, { goal: 'minimize', seed }), loss, 20), 'minimize') <= target) reached++;
    }
    expect(reached).toBeGreaterThanOrEqual(36);
  });

  it('samples the random sampler\'s values for the startup trials: parameters + 2 of them, at most 10', () => {
    const [space, f] = logScale;
    expect([1, 2, 8, 20].map(defaultStartupTrials)).toEqual([3, 4, 10, 10]);
    const history = simulateSweep(new RandomSampler(space, { seed: 3 }), f, 4);
    const sampler = new TpeSampler(space, { goal: 'minimize', seed: 3 });
    expect(sampler.sample(3, history.slice(0, 3))).toEqual(new RandomSampler(space, { seed: 3 }).sample(3, []));
    expect(sampler.sample(4, history)).not.toEqual(new RandomSampler(space, { seed: 3 }).sample(4, []));
    expect(new TpeSampler(space, { goal: 'minimize', seed: 3, nStartupTrials: 10 }).sample(4, history)).toEqual(new RandomSampler(space, { seed: 3 }).sample(4, []));
  });

  it('puts the best 15 % of the finished trials, at most 25, in the good group', () => {
    expect([1, 6, 7, 20, 200].map(defaultGamma)).toEqual([1, 1, 2, 3, 25]);
  });

  it('depends only on (seed, trial number, history), not on the history\'s order or the instance', () => {
    const [space, f] = logScale;
    const history = simulateSweep(new RandomSampler(space, { seed: 1 }), f, 15);
    const a = new TpeSampler(space, { goal: 'minimize', seed: 1 }).sample(15, history);
    expect(new TpeSampler(space, { goal: 'minimize', seed: 1 }).sample(15, [...history].reverse())).toEqual(a);
    expect(new TpeSampler(space, { goal: 'minimize', seed: 2 }).sample(15, history)).not.toEqual(a);
  });

  it('concentrates on the best listed value and ignores running and failed trials', () => {
    const space: SearchSpace = { opt: { values: ['adam', 'sgd', 'rmsprop'] } };
    const score: Record<string, number> = { adam: 0.2, sgd: 0.9, rmsprop: 0.5 };
    const history = simulateSweep(new TpeSampler(space, { goal: 'maximize', nStartupTrials: 5 }), (p) => score[p.opt as string], 30);
    expect(history.slice(10).filter((t) => t.params.opt === 'sgd').length).toBeGreaterThan(12);
    const noisy = [...history, { ...trial(30, { opt: 'adam' }, 0), state: 'RUNNING' as const }, { ...trial(31, { opt: 'adam' }, 0), state: 'FAILED' as const }];
    const sampler = new TpeSampler(space, { goal: 'maximize', nStartupTrials: 5 });
    expect(sampler.sample(32, noisy)).toEqual(sampler.sample(32, history));
  });

  it('counts pruned trials as finished, in the bad group', () => {
    const space: SearchSpace = { x: { distribution: 'int_uniform', min: 0, max: 9 } };
    const history = [trial(0, { x: 8 }, 1), ...Array.from({ length: 9 }, (_, i) => trial(i + 1, { x: i % 4 }, 0.1, 'PRUNED'))];
    const sampler = new TpeSampler(space, { goal: 'maximize' });
    expect(sampler.sample(10, history)).not.toEqual(new RandomSampler(space).sample(10, []));
    const draws = Array.from({ length: 20 }, (_, n) => sampler.sample(10 + n, history).x as number);
    expect(draws.every(Number.isInteger)).toBe(true);
    expect(draws.filter((x) => x >= 5).length).toBeGreaterThan(14);
  });

  it('samples a conditional parameter only where its condition holds, from the trials that have it', () => {
    const space: SearchSpace = { t: { values: ['a', 'b'] }, d: { distribution: 'uniform', min: 0, max: 1, when: { t: 'b' } } };
    const history = simulateSweep(new TpeSampler(space, { goal: 'minimize', nStartupTrials: 4 }), (p) => (p.t === 'a' ? 0.5 : Math.abs((p.d as number) - 0.7)), 30);
    for (const t of history) expect('d' in t.params).toBe(t.params.t === 'b');
    expect(bestValue(history, 'minimize')).toBeLessThan(0.05);
  });

  it.each([
    [{ goal: 'up' as Goal }, "TpeSampler: goal must be 'maximize' or 'minimize', but got goal=up"],
    [{ goal: 'minimize' as Goal, nStartupTrials: -1 }, 'TpeSampler: nStartupTrials must be a non-negative integer, but got nStartupTrials=-1'],
    [{ goal: 'minimize' as Goal, nEiCandidates: 0 }, 'TpeSampler: nEiCandidates must be at least 1, but got nEiCandidates=0'],
  ])('checks its options (%#)', (options, message) => {
    expect(() => new TpeSampler(quadratic[0], options)).toThrow(message);
  });
});
