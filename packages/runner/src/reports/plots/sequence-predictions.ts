// Plain-array views of EvalResult.predictions: which sequences are wrong, their true length, their text.
// Kept free of tensors and plots so the arithmetic is tested on literal arrays.
import { sequenceLabel } from '../../tasks/sequence/decode.js';
import { BLANK } from '../../tasks/sequence/metrics.js';

/** Predicted and true class per position, row-major `count × maxLen` (EvalResult.predictions). */
export interface SequencePredictions {
  preds: Int32Array;
  labels: Int32Array;
  maxLen: number;
}

/** Class names of the 11 classes: the digits, then "blank". */
export const CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'blank'] as const;

/** Sequences in a prediction set; throws when the arrays disagree, which would make every plot wrong. */
export function sequenceCount(p: SequencePredictions): number {
  if (p.maxLen <= 0 || p.preds.length !== p.labels.length || p.labels.length % p.maxLen !== 0) {
    throw new Error(`inconsistent predictions: ${p.preds.length} preds, ${p.labels.length} labels, maxLen ${p.maxLen}`);
  }
  return p.labels.length / p.maxLen;
}

/** True when every position of sequence `s` is predicted right (the exact-match criterion). */
export function isExact(p: SequencePredictions, s: number): boolean {
  for (let i = s * p.maxLen; i < (s + 1) * p.maxLen; i++) if (p.preds[i] !== p.labels[i]) return false;
  return true;
}

/** Digits in sequence `s` of `classes` (labels or preds): positions that are not blank. */
export function sequenceLength(classes: Int32Array, maxLen: number, s: number): number {
  let n = 0;
  for (let i = s * maxLen; i < (s + 1) * maxLen; i++) if (classes[i] !== BLANK) n++;
  return n;
}

/** Indices of the first `limit` sequences with any position wrong, in test-set order. */
export function misclassifiedIndices(p: SequencePredictions, limit = Infinity): number[] {
  const out: number[] = [];
  const n = sequenceCount(p);
  for (let s = 0; s < n && out.length < limit; s++) if (!isExact(p, s)) out.push(s);
  return out;
}

/**
 * Sequence `s` as text, e.g. `128`. Trailing blanks are dropped; a blank between digits (a prediction
 * can have one) shows as `_`, and an all-blank sequence as `∅`.
 */
export function sequenceText(classes: Int32Array, maxLen: number, s: number): string {
  return sequenceLabel(classes.subarray(s * maxLen, (s + 1) * maxLen), CLASS_NAMES, BLANK) || '∅';
}

/** Per position, an 11×11 count matrix `m[true][pred]`. */
export function confusionMatrices(p: SequencePredictions, numClasses = CLASS_NAMES.length): number[][][] {
  const n = sequenceCount(p);
  const mats = Array.from({ length: p.maxLen }, () => Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0)));
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < p.maxLen; i++) {
      const k = s * p.maxLen + i;
      mats[i][p.labels[k]][p.preds[k]]++;
    }
  }
  return mats;
}
