// A sequence is only indices and labels: images are drawn later, batch by batch, from one digit tensor. That
// keeps a 50 000-sequence epoch a few hundred kilobytes and makes re-sampling it each epoch nearly free.
import { createHash } from 'node:crypto';
import { DataError } from '../../errors.js';
import type { Rng } from '../../rng.js';

/** Class of an empty position (after the sequence's last digit). */
export const BLANK = 10;
/** Classes per position: digits 0–9 and blank. */
export const NUM_CLASSES = 11;

/** Sequences of MNIST digit indices, row-major `count × maxLen`, digits from the left. */
export interface SequenceSet {
  count: number;
  maxLen: number;
  /** Index into the digit images of each position; -1 = blank. */
  digitIndex: Int32Array;
  /** Class of each position: the digit's label, or 10 (blank). */
  labels: Int32Array;
  /** Digits in each sequence, in minLen..maxLen. */
  lengths: Int32Array;
  /** Placement jitter per position, `count × maxLen × 2` as (dx, dy) pixels; all zero without jitter. */
  offsets: Int16Array;
}

/** What {@link synthesizeSequences} needs. */
export interface SynthesisOptions {
  /** Label of every digit image (the MNIST label array). */
  digitLabels: Uint8Array;
  /** Indices of the digits this split may use. */
  pool: Int32Array;
  count: number;
  minLen: number;
  maxLen: number;
  /** Max |dx|, |dy| of each digit's placement, in pixels. Defaults to none. */
  jitter?: { x: number; y: number };
  rng: Rng;
}

/**
 * Draws `count` sequences: each length uniform over minLen..maxLen, each digit uniform from `pool` (with
 * replacement). Deterministic given the rng's state.
 *
 * @example synthesizeSequences({ digitLabels, pool, count: 1000, minLen: 1, maxLen: 3, rng }).labels
 */
export function synthesizeSequences(o: SynthesisOptions): SequenceSet {
  const { count, minLen, maxLen, pool, rng } = o;
  if (!(Number.isInteger(minLen) && minLen >= 1 && Number.isInteger(maxLen) && maxLen >= minLen)) {
    throw new DataError('XP_DATA_CONFIG_INVALID', `data.min_len (${minLen}) must be an integer ≥ 1 and ≤ data.max_len (${maxLen}).`);
  }
  if (count > 0 && pool.length === 0) {
    throw new DataError('XP_DATA_CONFIG_INVALID', `cannot draw ${count} sequences from an empty digit pool; check data.val_fraction.`);
  }
  const digitIndex = new Int32Array(count * maxLen).fill(-1);
  const labels = new Int32Array(count * maxLen).fill(BLANK);
  const lengths = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const len = minLen + rng.int(maxLen - minLen + 1);
    lengths[s] = len;
    for (let i = 0; i < len; i++) {
      const d = pool[rng.int(pool.length)];
      digitIndex[s * maxLen + i] = d;
      labels[s * maxLen + i] = o.digitLabels[d];
    }
  }
  // Drawn after every sequence, so turning jitter on moves digits but never changes which digits are drawn.
  const offsets = new Int16Array(count * maxLen * 2);
  const jx = o.jitter?.x ?? 0;
  const jy = o.jitter?.y ?? 0;
  if (jx > 0 || jy > 0) {
    for (let k = 0; k < count * maxLen; k++) {
      if (digitIndex[k] < 0) continue;
      offsets[2 * k] = jx > 0 ? rng.int(2 * jx + 1) - jx : 0;
      offsets[2 * k + 1] = jy > 0 ? rng.int(2 * jy + 1) - jy : 0;
    }
  }
  return { count, maxLen, digitIndex, labels, lengths, offsets };
}

/** The sequences at `rows` (in that order), as a new set. */
export function selectSequences(set: SequenceSet, rows: ArrayLike<number>): SequenceSet {
  const L = set.maxLen;
  const n = rows.length;
  const out: SequenceSet = {
    count: n,
    maxLen: L,
    digitIndex: new Int32Array(n * L),
    labels: new Int32Array(n * L),
    lengths: new Int32Array(n),
    offsets: new Int16Array(n * L * 2),
  };
  for (let r = 0; r < n; r++) {
    const s = rows[r];
    out.digitIndex.set(set.digitIndex.subarray(s * L, (s + 1) * L), r * L);
    out.labels.set(set.labels.subarray(s * L, (s + 1) * L), r * L);
    out.offsets.set(set.offsets.subarray(s * L * 2, (s + 1) * L * 2), r * L * 2);
    out.lengths[r] = set.lengths[s];
  }
  return out;
}

/**
 * Hex sha256 of what fixes the rendered data (shape, digit indices, labels, placement offsets), for MLflow's
 * dataset input: equal digests mean the same sequences on the same digits.
 */
export function digestSequences(set: SequenceSet): string {
  const h = createHash('sha256');
  h.update(new Int32Array([set.count, set.maxLen]));
  for (const a of [set.digitIndex, set.labels, set.offsets]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}
