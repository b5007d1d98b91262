import type { SweepConfig } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { createSampler, GridSampler, RandomSampler, TpeSampler } from './index.js';
import { sweepConfig } from './testing.js';

describe('createSampler', () => {
  it.each([
    ['grid', GridSampler],
    ['random', RandomSampler],
    ['tpe', TpeSampler],
  ] as const)('makes the %s sampler', (method, cls) => {
    const sampler = createSampler(sweepConfig({ method }));
    expect(sampler).toBeInstanceOf(cls);
    expect(sampler.name).toBe(method);
    expect(Object.keys(sampler.sample(0, []))).toEqual(['model.dropout', 'training.batch_size']);
  });

  it('passes the seed and the TPE settings on', () => {
    const a = createSampler(sweepConfig({ seed: 4, tpe: { n_startup_trials: 0, n_ei_candidates: 24, multivariate: true } }));
    expect(a.sample(0, [])).toEqual(new TpeSampler(sweepConfig().parameters, { goal: 'maximize', seed: 4, nStartupTrials: 0 }).sample(0, []));
  });

  it('refuses an unknown method', () => {
    expect(() => createSampler(sweepConfig({ method: 'bayes' as SweepConfig['method'] }))).toThrow("createSampler: unknown method 'bayes'; known: grid, random, tpe");
  });
});
