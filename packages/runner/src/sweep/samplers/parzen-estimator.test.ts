import { createRng } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { CategoricalDimension, normalCdf, NumericDimension, observationWeights, ParzenEstimator } from './parzen-estimator.js';

describe('observationWeights', () => {
  it('is flat below 25 observations and ramps up the older ones beyond (numpy linspace)', () => {
    expect(observationWeights(3)).toEqual([1, 1, 1]);
    const w = observationWeights(30);
    expect(w).toHaveLength(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBeCloseTo(1, 12);
    expect(w.slice(5)).toEqual(Array(25).fill(1));
    expect(observationWeights(26)[0]).toBeCloseTo(1 / 26, 12);
  });
});

describe('normalCdf', () => {
  it.each([[0, 0.5], [1.959964, 0.975], [-1, 0.158655254], [-8, 6.22096057e-16]])('Φ(%d) ≈ %d', (z, p) => {
    expect(Math.abs(normalCdf(z) - p) / p).toBeLessThan(1e-6);
  });
});

describe('NumericDimension', () => {
  it('has kernels that integrate to 1 over the range', () => {
    const d = new NumericDimension([0.1, 0.15, 0.9], 0, 1);
    for (const k of [0, 1, 2, 3]) {
      let total = 0;
      for (let i = 0; i < 10_000; i++) total += Math.exp(d.logKernel(k, (i + 0.5) / 10_000)) / 10_000;
      expect(total).toBeCloseTo(1, 4);
    }
  });

  it('gives discrete values masses that sum to 1', () => {
    const d = new NumericDimension([2, 3], 1, 6, 1);
    for (const k of [0, 1, 2]) expect([1, 2, 3, 4, 5, 6].reduce((s, x) => s + Math.exp(d.logKernel(k, x)), 0)).toBeCloseTo(1, 6);
  });

  it('clips a kernel to range·max(Δ, (n+2)^-α) wide, not narrower', () => {
    // Two observations 0.01 apart: their neighbour distance is far below the clip, so the clip sets the width.
    const width = (clip?: { minFactor?: number; exponent?: number }) => {
      const d = new NumericDimension([0.5, 0.51], 0, 1, undefined, clip);
      return Math.exp(d.logKernel(0, 0.5) - d.logKernel(0, 0.6)); // = exp(0.5 (0.1/σ)^2) for kernel 0 at 0.5
    };
    const sigma = (ratio: number) => 0.1 / Math.sqrt(2 * Math.log(ratio));
    expect(sigma(width())).toBeCloseTo(4 ** -1.5, 6);
    expect(sigma(width({ exponent: 1 }))).toBeCloseTo(0.25, 6);
    expect(sigma(width({ exponent: 4, minFactor: 0.03 }))).toBeCloseTo(0.03, 6);
  });

  it('sizes a lone observation by its distance to the middle of the range (the prior\'s mean), as Optuna does', () => {
    const d = new NumericDimension([0.2], 0, 1);
    const sigma = 0.1 / Math.sqrt(2 * Math.log(Math.exp(d.logKernel(0, 0.2) - d.logKernel(0, 0.3))));
    expect(sigma).toBeCloseTo(0.3, 6);
  });

  it('refuses an empty range and a bad clip', () => {
    expect(() => new NumericDimension([], 0, 1, undefined, { minFactor: 0 })).toThrow('NumericDimension: clip.minFactor must be in (0, 1], but got minFactor=0');
    expect(() => new NumericDimension([], 0, 1, undefined, { exponent: -1 })).toThrow('NumericDimension: clip.exponent must be positive, but got exponent=-1');
    expect(() => new NumericDimension([], 1, 1)).toThrow('NumericDimension: low must be below high, but got low=1, high=1');
  });
});

describe('ParzenEstimator', () => {
  it('puts most draws near the observations and gives them a higher density', () => {
    const est = new ParzenEstimator([new NumericDimension([0.3, 0.32, 0.35, 0.31], 0, 1)], observationWeights(4));
    const xs = est.sample(createRng(0, 't'), 400).map(([x]) => x);
    expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(xs.filter((x) => Math.abs(x - 0.32) < 0.15).length).toBeGreaterThan(200); // uniform draws would give about 120
    expect(est.logPdf([0.32])).toBeGreaterThan(est.logPdf([0.9]));
  });

  it('smooths categorical counts with the prior', () => {
    const est = new ParzenEstimator([new CategoricalDimension([1, 1, 1], 3)], observationWeights(3));
    const p = [0, 1, 2].map((c) => Math.exp(est.logPdf([c])));
    expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    // ¾ from the observations' kernels (each 1.25/1.75 on its choice) + ¼ from the uniform prior.
    expect(p[1]).toBeCloseTo(0.75 * (1.25 / 1.75) + 0.25 / 3, 12);
    expect(p[0]).toBeCloseTo(p[2], 12);
    expect(p[0]).toBeGreaterThan(0);
  });

  it('models dimensions jointly: a draw follows one observation in every dimension', () => {
    const dims = [new NumericDimension([0.1, 0.9], 0, 1), new CategoricalDimension([0, 1], 2)];
    const est = new ParzenEstimator(dims, observationWeights(2));
    expect(est.logPdf([0.1, 0])).toBeGreaterThan(est.logPdf([0.1, 1]));
    expect(est.logPdf([0.9, 1])).toBeGreaterThan(est.logPdf([0.9, 0]));
  });
});
