import { describe, expect, it } from 'vitest';
import type { Goal, TrialRecord } from '../types.js';
import { AshaPruner } from './asha-pruner.js';
import { trial } from './testing.js';

// min_epochs 2, reduction factor 3: rungs after 2, 6 and 18 epochs, i.e. at epoch indices 1, 5 and 17.
const asha = (goal: Goal) => new AshaPruner({ metric: 'val_exact_match', goal, minEpochs: 2, reductionFactor: 3 });
const others = (...atRung0: number[]): TrialRecord[] => atRung0.map((v, i) => trial(i + 1, i % 2 ? 'RUNNING' : 'COMPLETE', [0, v]));

describe('AshaPruner', () => {
  it.each<[string, Goal, number[], number, TrialRecord[], string | undefined]>([
    ['before the first rung', 'maximize', [0.1], 0, others(0.9, 0.8), undefined],
    ['alone at a rung', 'maximize', [0.1, 0.2], 1, [], undefined],
    ['second of 2 at a rung (fewer than 3: only the best goes on)', 'maximize', [0.1, 0.8], 1, others(0.9), 'ASHA: val_exact_match 0.8 at epoch 2 is not the best (0.9) of 2 trials at rung 0 (with fewer than 3, only the best goes on)'],
    ['best of 2', 'maximize', [0.1, 0.95], 1, others(0.9), undefined],
    ['outside the top 1/3 of 5', 'maximize', [0.1, 0.912], 1, others(0.951, 0.93, 0.7, 0.5), 'ASHA: val_exact_match 0.912 at epoch 2 is below the top 1/3 (0.951) of 5 trials at rung 0'],
    ['in the top 2 of 6', 'maximize', [0.1, 0.94], 1, others(0.951, 0.93, 0.7, 0.5, 0.3), undefined],
    ['between rungs, however bad', 'maximize', [0.1, 0.95, 0.0], 2, others(0.9, 0.9, 0.9), undefined],
    ['a NaN at a rung', 'maximize', [0.1, NaN], 1, [], 'ASHA: val_exact_match is NaN at epoch 2 (rung 0)'],
    ['outside the top 1/3 of 5, minimising', 'minimize', [0.9, 0.5], 1, others(0.3, 0.4, 0.6, 0.7), 'ASHA: val_exact_match 0.5 at epoch 2 is above the top 1/3 (0.3) of 5 trials at rung 0'],
    ['in the top 1/3 of 4, minimising', 'minimize', [0.9, 0.2], 1, others(0.3, 0.4, 0.6), undefined],
  ])('%s (%s)', (_what, goal, values, epoch, history, reason) => {
    const me = trial(0, 'RUNNING', values);
    expect(asha(goal).shouldPrune(me, epoch, [me, ...history])).toEqual(reason ? { prune: true, reason } : { prune: false });
  });

  it('decides at rung 1 among the values recorded at rung 1, by trials in any state', () => {
    const atRung1 = (n: number, state: TrialRecord['state'], v: number) => trial(n, state, [0, 1, 0, 0, 0, v]);
    const history = [atRung1(1, 'COMPLETE', 0.97), atRung1(2, 'PRUNED', 0.96), atRung1(3, 'FAILED', 0.5), trial(4, 'COMPLETE', [0.99, 0.99])];
    expect(asha('maximize').shouldPrune(atRung1(0, 'RUNNING', 0.9), 5, history)).toEqual({
      prune: true,
      reason: 'ASHA: val_exact_match 0.9 at epoch 6 is below the top 1/3 (0.97) of 4 trials at rung 1',
    });
    expect(asha('maximize').shouldPrune(atRung1(0, 'RUNNING', 0.98), 5, history)).toEqual({ prune: false });
  });

  it('places rungs at min_epochs · reduction_factor^k', () => {
    const pruner = new AshaPruner({ metric: 'm', goal: 'maximize', minEpochs: 1, reductionFactor: 2 });
    expect([1, 2, 3, 4, 5, 8].map((e) => pruner.rungAt(e))).toEqual([0, 1, undefined, 2, undefined, 3]);
  });

  it.each([
    [{ metric: 'm', goal: 'maximize' as Goal, reductionFactor: 1 }, 'AshaPruner: reductionFactor must be an integer of at least 2, but got reductionFactor=1'],
    [{ metric: 'm', goal: 'maximize' as Goal, minEpochs: 0 }, 'AshaPruner: minEpochs must be at least 1, but got minEpochs=0'],
    [{ metric: '', goal: 'maximize' as Goal }, 'AshaPruner: metric must be a non-empty string, but got metric=""'],
  ])('checks its options (%#)', (options, message) => {
    expect(() => new AshaPruner(options)).toThrow(message);
  });
});
