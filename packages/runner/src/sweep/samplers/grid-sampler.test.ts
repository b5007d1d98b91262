import { describe, expect, it } from 'vitest';
import { GridSampler } from './grid-sampler.js';
import type { SearchSpace } from './search-space.js';

const space: SearchSpace = {
  'model.dropout': { values: [0.2, 0.3, 0.5] },
  'training.batch_size': { values: [64, 128] },
  'training.optimizer.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1e-2, grid_points: 3 },
};

describe('GridSampler', () => {
  it('gives trial N combination N of the full product', () => {
    const grid = new GridSampler(space, { maxTrials: 40 });
    expect(grid.size).toBe(18);
    const all = Array.from({ length: 18 }, (_, n) => grid.sample(n, []));
    expect(new Set(all.map((p) => JSON.stringify(p))).size).toBe(18);
    expect(all[0]).toEqual({ 'model.dropout': 0.2, 'training.batch_size': 64, 'training.optimizer.learning_rate': 1e-4 });
    expect(all[17]).toEqual({ 'model.dropout': 0.5, 'training.batch_size': 128, 'training.optimizer.learning_rate': 1e-2 });
    expect(() => grid.sample(18, [])).toThrow('GridSampler: trialNumber must be an integer in [0, 17] (the grid has 18 combinations), but got 18');
  });

  it('runs a seeded random subset of a truncated grid', () => {
    const a = new GridSampler(space, { maxTrials: 5, seed: 1 });
    const b = new GridSampler(space, { maxTrials: 5, seed: 1 });
    expect(a.size).toBe(5);
    const trials = Array.from({ length: 5 }, (_, n) => a.sample(n, []));
    expect(trials).toEqual(Array.from({ length: 5 }, (_, n) => b.sample(n, [])));
    expect(new Set(trials.map((p) => JSON.stringify(p))).size).toBe(5);
    expect(trials).not.toEqual(Array.from({ length: 5 }, (_, n) => new GridSampler(space).sample(n, [])));
  });

  it('refuses a range without grid points', () => {
    expect(() => new GridSampler({ x: { distribution: 'uniform', min: 0, max: 1 } })).toThrow(/every range needs q or grid_points/);
  });
});
