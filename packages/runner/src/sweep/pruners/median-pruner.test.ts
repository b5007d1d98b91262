import { describe, expect, it } from 'vitest';
import type { Goal, TrialRecord } from '../types.js';
import { MedianPruner } from './median-pruner.js';
import { trial } from './testing.js';

const median = (goal: Goal, nStartupTrials = 1) => new MedianPruner({ metric: 'val_exact_match', goal, minEpochs: 2, nStartupTrials });
const completed = (...atEpoch1: number[]): TrialRecord[] => atEpoch1.map((v, i) => trial(i + 1, 'COMPLETE', [0, v, v]));

describe('MedianPruner', () => {
  it.each<[string, Goal, number[], number, TrialRecord[], string | undefined]>([
    ['before min_epochs', 'maximize', [0.1], 0, completed(0.9, 0.9), undefined],
    ['with no completed trial yet', 'maximize', [0.1, 0.1], 1, [trial(1, 'RUNNING', [0.9, 0.9]), trial(2, 'PRUNED', [0.9, 0.9])], undefined],
    ['below the median', 'maximize', [0.1, 0.7], 1, completed(0.8, 0.9, 0.6), 'median: val_exact_match 0.7 at epoch 2 is below the median (0.8) of 3 completed trials at that epoch'],
    ['at the median', 'maximize', [0.1, 0.8], 1, completed(0.8, 0.9, 0.6), undefined],
    ['below the mean of the middle two', 'maximize', [0.1, 0.74], 1, completed(0.6, 0.7, 0.8, 0.9), 'median: val_exact_match 0.74 at epoch 2 is below the median (0.75) of 4 completed trials at that epoch'],
    ['above the median, minimising', 'minimize', [0.1, 0.9], 1, completed(0.8), 'median: val_exact_match 0.9 at epoch 2 is above the median (0.8) of 1 completed trial at that epoch'],
    ['below the median, minimising', 'minimize', [0.1, 0.7], 1, completed(0.8, 0.9), undefined],
    ['at an epoch no completed trial reached', 'maximize', [0.1, 0.7, 0.0, 0.0], 3, completed(0.8, 0.9), undefined],
    ['a NaN', 'maximize', [0.1, NaN], 1, completed(0.8), 'median: val_exact_match is NaN at epoch 2'],
  ])('%s (%s)', (_what, goal, values, epoch, history, reason) => {
    const me = trial(0, 'RUNNING', values);
    expect(median(goal).shouldPrune(me, epoch, [me, ...history])).toEqual(reason ? { prune: true, reason } : { prune: false });
  });

  it('waits for n_startup_trials completed trials', () => {
    const me = trial(0, 'RUNNING', [0, 0.1]);
    expect(median('maximize', 3).shouldPrune(me, 1, completed(0.8, 0.9)).prune).toBe(false);
    expect(median('maximize', 3).shouldPrune(me, 1, completed(0.8, 0.9, 0.7)).prune).toBe(true);
  });

  it('checks its options', () => {
    expect(() => new MedianPruner({ metric: 'm', goal: 'maximize', nStartupTrials: 0 })).toThrow('MedianPruner: nStartupTrials must be at least 1, but got nStartupTrials=0');
    expect(() => new MedianPruner({ metric: 'm', goal: 'max' as Goal })).toThrow("MedianPruner: goal must be 'maximize' or 'minimize', but got goal=max");
  });
});
