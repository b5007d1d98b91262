import { describe, expect, it } from 'vitest';
import { deepMerge } from './merge.js';

describe('deepMerge', () => {
  it('merges mappings key by key and replaces lists', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } });
  });

  it('replaces a mapping whole when its registry type changes', () => {
    const base = { model: { type: 'baseline-cnn', filters: [32], dropout: 0 } };
    const child = { model: { type: 'multihead-cnn', dense_units: 512 } };
    expect(deepMerge(base, child)).toEqual({ model: { type: 'multihead-cnn', dense_units: 512 } });
  });

  it('keeps merging when the type stays the same', () => {
    expect(deepMerge({ o: { type: 'adam', learning_rate: 1 } }, { o: { type: 'adam', beta1: 0.5 } })).toEqual({
      o: { type: 'adam', learning_rate: 1, beta1: 0.5 },
    });
  });
});
