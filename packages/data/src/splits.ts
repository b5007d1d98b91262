// Validation digits are held out from the training digits themselves (not just from training sequences), so a
// validation score never sees a handwriting sample the model trained on.
import { DataError } from './errors.js';
import { permutation, type Rng } from './rng.js';

/** Disjoint, sorted index sets into the MNIST training digits. */
export interface DigitSplit {
  train: Int32Array;
  val: Int32Array;
}

/**
 * Splits digit indices 0..count-1 into train and val digits; `round(count × valFraction)` go to val.
 * The same `rng` state always gives the same split.
 *
 * @example splitDigits(60000, 0.1, createRng(42, 'split')).val.length // 6000
 */
export function splitDigits(count: number, valFraction: number, rng: Rng): DigitSplit {
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new DataError('XP_DATA_CONFIG_INVALID', `data.val_fraction must be in [0, 1), got ${valFraction}.`);
  }
  const perm = permutation(count, rng);
  const nVal = Math.round(count * valFraction);
  // Sorted, so the split reads as a set and gathers from the digit tensor walk memory in order.
  return { val: perm.slice(0, nVal).sort(), train: perm.slice(nVal).sort() };
}
