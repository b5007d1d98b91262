// Test helper (excluded from the build, see tsconfig.json): compares nested arrays of numbers element by element.
import { expect } from 'vitest';

/** Every number of `a` is toBeCloseTo the number at the same place of `b` (nested arrays are flattened). */
export function expectClose(a: unknown, b: unknown, digits = 4) {
  const fa = [a].flat(Infinity as 1) as number[];
  const fb = [b].flat(Infinity as 1) as number[];
  expect(fa.length).toBe(fb.length);
  fa.forEach((x, i) => expect(x).toBeCloseTo(fb[i], digits));
}
