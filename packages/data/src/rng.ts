// Seeded randomness comes from @xp/core (one named stream per purpose); this module adds the typed-array
// helper the pipeline needs, since `Rng.shuffle` works on plain arrays.
import type { Rng } from '@xp/core';

export { createRng, type Rng } from '@xp/core';

/** A random permutation of 0..n-1 drawn from `rng` (Fisher–Yates on an Int32Array). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
