import { describe, expect, it } from 'vitest';
import { createRng } from './seed.js';

const draws = (seed: number, stream: string, n = 5) => {
  const rng = createRng(seed, stream);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('is deterministic per (seed, stream)', () => {
    expect(draws(42, 'data')).toEqual(draws(42, 'data'));
    expect(draws(42, 'data')).not.toEqual(draws(43, 'data'));
    expect(draws(42, 'data')).not.toEqual(draws(42, 'augment'));
  });

  it('keeps streams independent: using one does not move another', () => {
    const data = createRng(7, 'data');
    const augment = createRng(7, 'augment');
    const first = data.next();
    for (let i = 0; i < 100; i++) augment.normal();
    expect([first, data.next()]).toEqual(draws(7, 'data', 2));
  });

  it('does not confuse seeds and stream names', () => {
    expect(draws(1, '2x')).not.toEqual(draws(12, 'x'));
  });

  it('draws in the documented ranges', () => {
    const rng = createRng(1, 'ranges');
    for (let i = 0; i < 1000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = rng.int(10);
      expect(Number.isInteger(k) && k >= 0 && k < 10).toBe(true);
      const u = rng.uniform(-2, 3);
      expect(u >= -2 && u < 3).toBe(true);
    }
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('draws normals with mean 0 and std 1', () => {
    const rng = createRng(3, 'normal');
    const xs = Array.from({ length: 20000 }, () => rng.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
  });

  it('shuffles in place, deterministically, keeping every element', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const out = createRng(5, 'shuffle').shuffle(a);
    expect(out).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(createRng(5, 'shuffle').shuffle(Array.from({ length: 50 }, (_, i) => i))).toEqual(a);
  });

  it('exposes its state', () => {
    const rng = createRng(1, 's');
    const before = JSON.stringify(rng.state?.());
    rng.next();
    expect(JSON.stringify(rng.state?.())).not.toBe(before);
  });
});
