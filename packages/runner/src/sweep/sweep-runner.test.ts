import type { SweepConfig } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { sweepHash } from './sweep-runner.js';

const base = {
  experiment: './e.yaml', metric: { name: 'val_loss', goal: 'minimize' }, method: 'random', max_trials: 10, parallel: 2, seed: 0,
  parameters: { 'model.dropout': { values: [0.1, 0.3] } },
} as unknown as SweepConfig;

describe('sweepHash', () => {
  it('ignores the budget and parallelism, so a sweep can be resumed with more trials or cores', () => {
    expect(sweepHash({ ...base, max_trials: 40, parallel: 4 })).toBe(sweepHash(base));
  });

  it.each<[string, Partial<SweepConfig>]>([
    ['the search space', { parameters: { 'model.dropout': { values: [0.2] } } } as Partial<SweepConfig>],
    ['the method', { method: 'tpe' }],
    ['the seed', { seed: 1 }],
    ['the metric', { metric: { name: 'val_exact_match', goal: 'maximize' } }],
  ])('changes with %s', (_what, change) => expect(sweepHash({ ...base, ...change } as SweepConfig)).not.toBe(sweepHash(base)));

  it('does not depend on key order', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as unknown as SweepConfig;
    expect(sweepHash(reordered)).toBe(sweepHash(base));
  });
});
