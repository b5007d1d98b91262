import type { SweepConfig } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { sweepConfig } from '../samplers/testing.js';
import { AshaPruner, createPruner, MedianPruner } from './index.js';
import { trial } from './testing.js';

describe('createPruner', () => {
  it('gives null without early_termination', () => {
    expect(createPruner(sweepConfig())).toBeNull();
  });

  it.each<[NonNullable<SweepConfig['early_termination']>, typeof AshaPruner | typeof MedianPruner]>([
    [{ type: 'asha', min_epochs: 2, reduction_factor: 3 }, AshaPruner],
    [{ type: 'median', min_epochs: 2, n_startup_trials: 1 }, MedianPruner],
  ])('makes the pruner of %j with the sweep metric', (early_termination, cls) => {
    const pruner = createPruner(sweepConfig({ early_termination, metric: { name: 'val_loss', goal: 'minimize' } }))!;
    expect(pruner).toBeInstanceOf(cls);
    const me = trial(0, 'RUNNING', [0, 0.9]);
    const decision = pruner.shouldPrune(me, 1, [me, trial(1, 'COMPLETE', [0, 0.3, 0.2])]);
    expect(decision.prune).toBe(true);
    expect(decision.reason).toMatch(/val_loss 0\.9 at epoch 2 is (above|not the best)/);
  });
});
