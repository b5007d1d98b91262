import { describe, expect, it } from 'vitest';
import type { DistributionParameter, ParameterSpec } from './schema.js';
import { gridCombinations, gridSizeBound, gridValues, isActive, quantize, valueRange } from './space.js';

const range = (distribution: DistributionParameter['distribution'], min: number, max: number, extra: Partial<DistributionParameter> = {}): DistributionParameter => ({
  distribution,
  min,
  max,
  ...extra,
});

describe('valueRange and quantize', () => {
  it.each([
    [range('uniform', 0, 1), 0.123456, 0.123456, { low: 0, high: 1 }],
    [range('uniform', 0.1, 0.55, { q: 0.1 }), 0.34, 0.3, { low: 0.1, high: 0.5 }],
    [range('uniform', 0.1, 0.55, { q: 0.1 }), 0.99, 0.5, { low: 0.1, high: 0.5 }],
    [range('int_uniform', 1, 10), 4.5, 5, { low: 1, high: 10 }],
    [range('int_uniform', 2, 11, { q: 4 }), 11, 10, { low: 2, high: 10 }],
    [range('log_uniform', 1e-4, 1e-2), 3.3e-3, 3.3e-3, { low: 1e-4, high: 1e-2 }],
  ])('%j: %d → %d', (spec, x, expected, bounds) => {
    expect(quantize(spec, x)).toBe(expected);
    expect(valueRange(spec)).toEqual(bounds);
  });
});

describe('gridValues', () => {
  it.each<[string, ParameterSpec, unknown[] | undefined]>([
    ['listed values', { values: [0.2, 'a', [1, 2]] }, [0.2, 'a', [1, 2]]],
    ['integers', range('int_uniform', 2, 5), [2, 3, 4, 5]],
    ['q steps without float noise', range('uniform', 0.1, 0.5, { q: 0.1 }), [0.1, 0.2, 0.3, 0.4, 0.5]],
    ['grid_points', range('uniform', 0, 1, { grid_points: 3 }), [0, 0.5, 1]],
    ['log-spaced grid_points', range('log_uniform', 1e-4, 1e-2, { grid_points: 3 }), [1e-4, 1e-3, 1e-2]],
    ['a continuous range', range('uniform', 0, 1), undefined],
  ])('%s', (_what, spec, expected) => {
    const got = gridValues(spec);
    if (expected === undefined) return expect(got).toBeUndefined();
    expect(got).toHaveLength(expected.length);
    got!.forEach((v, i) => (typeof v === 'number' ? expect(v).toBeCloseTo(expected[i] as number, 12) : expect(v).toEqual(expected[i])));
  });
});

describe('gridCombinations', () => {
  it('is the full product, first parameter varying slowest', () => {
    const combos = gridCombinations({ a: { values: [1, 2] }, b: { values: ['x', 'y', 'z'] } });
    expect(combos).toEqual([
      { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' },
      { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' },
    ]);
  });

  it('varies a conditional parameter only where its condition holds', () => {
    const space = { t: { values: ['cnn', 'mlp'] }, d: { values: [0.1, 0.2], when: { t: 'mlp' } } };
    expect(gridCombinations(space)).toEqual([{ t: 'cnn' }, { t: 'mlp', d: 0.1 }, { t: 'mlp', d: 0.2 }]);
    expect(gridSizeBound(space)).toBe(4);
  });

  it('gives undefined past the limit or for a continuous range', () => {
    expect(gridCombinations({ a: { values: [1, 2, 3] }, b: { values: [1, 2] } }, 5)).toBeUndefined();
    expect(gridCombinations({ a: range('uniform', 0, 1) })).toBeUndefined();
  });
});

describe('isActive', () => {
  it('compares values as data', () => {
    const spec: ParameterSpec = { values: [1], when: { 'model.filters': [32, 64], 'model.opt': { type: 'adam', lr: 1 } } };
    expect(isActive(spec, { 'model.filters': [32, 64], 'model.opt': { lr: 1, type: 'adam' } })).toBe(true);
    expect(isActive(spec, { 'model.filters': [32], 'model.opt': { lr: 1, type: 'adam' } })).toBe(false);
    expect(isActive(spec, {})).toBe(false);
    expect(isActive({ values: [1] }, {})).toBe(true);
  });
});
