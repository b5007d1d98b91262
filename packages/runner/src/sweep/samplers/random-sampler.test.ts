import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../types.js';
import { RandomSampler } from './random-sampler.js';
import type { SearchSpace } from './search-space.js';

const space: SearchSpace = {
  'training.optimizer.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1e-2 },
  'model.dropout': { values: [0.2, 0.3, 0.5] },
  'training.batch_size': { values: [64, 128] },
  'training.epochs': { distribution: 'int_uniform', min: 2, max: 4 },
  'model.dense_units': { distribution: 'uniform', min: 16, max: 64, q: 16 },
};

describe('RandomSampler', () => {
  it('gives trial N the same values whatever the history and whichever instance samples it', () => {
    const a = new RandomSampler(space, { seed: 7 });
    const b = new RandomSampler(space, { seed: 7 });
    const history: TrialRecord[] = [{ number: 0, params: {}, state: 'COMPLETE', value: 1, intermediate: {} }];
    expect(a.sample(5, [])).toEqual(b.sample(5, history));
    expect(a.sample(5, [])).not.toEqual(a.sample(6, []));
    expect(new RandomSampler(space, { seed: 8 }).sample(5, [])).not.toEqual(a.sample(5, []));
  });

  it('keeps the other parameters\' draws when a parameter is added', () => {
    const fewer = new RandomSampler({ 'model.dropout': space['model.dropout'] }, { seed: 1 }).sample(3, []);
    expect(new RandomSampler(space, { seed: 1 }).sample(3, [])['model.dropout']).toBe(fewer['model.dropout']);
  });

  it('draws every value within its range and steps, covering both ends', () => {
    const sampler = new RandomSampler(space, { seed: 0 });
    const draws = Array.from({ length: 300 }, (_, n) => sampler.sample(n, []));
    const lr = draws.map((d) => d['training.optimizer.learning_rate'] as number);
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lr)).toBeLessThanOrEqual(1e-2);
    // Log-uniform: about half of the draws below the geometric midpoint 1e-3.
    expect(lr.filter((x) => x < 1e-3).length).toBeGreaterThan(110);
    expect(new Set(draws.map((d) => d['training.epochs']))).toEqual(new Set([2, 3, 4]));
    expect(new Set(draws.map((d) => d['model.dense_units']))).toEqual(new Set([16, 32, 48, 64]));
    expect(new Set(draws.map((d) => d['model.dropout']))).toEqual(new Set([0.2, 0.3, 0.5]));
  });

  it('leaves out a conditional parameter whose condition does not hold', () => {
    const sampler = new RandomSampler({ t: { values: ['a', 'b'] }, x: { values: [1, 2], when: { t: 'b' } } }, { seed: 0 });
    const draws = Array.from({ length: 40 }, (_, n) => sampler.sample(n, []));
    for (const d of draws) expect('x' in d).toBe(d.t === 'b');
    expect(draws.some((d) => d.t === 'a') && draws.some((d) => d.t === 'b')).toBe(true);
  });

  it.each([
    [() => new RandomSampler(space, { seed: -1 }), 'RandomSampler: seed must be a non-negative integer, but got seed=-1'],
    [() => new RandomSampler(space).sample(1.5, []), 'RandomSampler: trialNumber must be a non-negative integer, but got 1.5'],
  ])('checks its arguments (%#)', (call, message) => {
    expect(call).toThrow(message);
  });
});
