// Seeded randomness, one independent stream per purpose.
//
// Why streams: if data synthesis, weight init and augmentation drew from one generator, adding an
// augmentation (or changing its probability) would shift every later draw and so silently change the
// data the model sees. With a stream per purpose, `createRng(seed, 'data')` gives the same sequences
// whatever the augmentation settings, so a comparison between two runs changes only what the config changed.
import seedrandom from 'seedrandom';

/** A deterministic random number generator. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** A float in [a, b). */
  uniform(a: number, b: number): number;
  /** A standard normal draw (mean 0, std 1). */
  normal(): number;
  /** Shuffles `arr` in place (Fisher–Yates) and returns it. */
  shuffle<T>(arr: T[]): T[];
  /** The generator's internal state, e.g. to log or compare it. */
  state?(): object;
}

/**
 * A generator that depends only on `(seed, stream)`; the same pair always yields the same sequence.
 *
 * @param seed - The experiment's `seed`.
 * @param stream - What the numbers are for, e.g. `data`, `init`, `augment`.
 * @example const rng = createRng(42, 'data'); rng.shuffle(indices);
 */
export function createRng(seed: number, stream: string): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be a finite number, received ${seed}`);
  // JSON of the pair keeps (1, '2x') and (12, 'x') apart; alea is fast and has good statistical quality.
  const prng = seedrandom.alea(JSON.stringify([seed, stream]), { state: true });
  const next = (): number => prng();
  const int = (maxExclusive: number): number => {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new RangeError(`Rng.int: maxExclusive must be a positive integer, received ${maxExclusive}`);
    }
    return Math.floor(next() * maxExclusive);
  };
  return {
    next,
    int,
    uniform: (a, b) => a + (b - a) * next(),
    // Box–Muller without caching the second value, so the state alone determines what comes next.
    normal: () => {
      const u = 1 - next(); // in (0, 1]: log(0) would be -Infinity
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    shuffle: <T>(arr: T[]): T[] => {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [arr[i], arr[j]] = [arr[j], arr[i]];
      }
      return arr;
    },
    state: () => prng.state(),
  };
}
