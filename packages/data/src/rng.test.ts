import { describe, expect, it } from 'vitest';
import { createRng, permutation } from './rng.js';

describe('permutation', () => {
  it('permutes 0..n-1 without losing elements, deterministically in the rng', () => {
    const p = permutation(100, createRng(4, 'perm'));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).toEqual(permutation(100, createRng(4, 'perm')));
    expect(p).not.toEqual(permutation(100, createRng(5, 'perm')));
  });
});
