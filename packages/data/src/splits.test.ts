import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { createRng } from './rng.js';
import { splitDigits } from './splits.js';

describe('splitDigits', () => {
  it('splits into disjoint sets that cover every digit', () => {
    const s = splitDigits(1000, 0.1, createRng(1, 'split'));
    expect(s.val.length).toBe(100);
    expect(s.train.length).toBe(900);
    const all = new Set([...s.train, ...s.val]);
    expect(all.size).toBe(1000);
    const val = new Set(s.val);
    expect(s.train.some((i) => val.has(i))).toBe(false);
  });

  it('is deterministic in the seed', () => {
    const a = splitDigits(500, 0.2, createRng(7, 'split'));
    const b = splitDigits(500, 0.2, createRng(7, 'split'));
    const c = splitDigits(500, 0.2, createRng(8, 'split'));
    expect([...a.val]).toEqual([...b.val]);
    expect([...a.val]).not.toEqual([...c.val]);
  });

  it('allows no validation digits and rejects a fraction of 1', () => {
    expect(splitDigits(10, 0, createRng(1, 's')).val.length).toBe(0);
    expect(() => splitDigits(10, 1, createRng(1, 's'))).toThrow(DataError);
  });
});
