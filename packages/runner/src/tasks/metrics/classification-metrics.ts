// Classification metrics from a confusion matrix `m[true][predicted]`: the one source of accuracy, precision,
// recall and F1 for the logged metrics (summed on the backend) and for the test report (from kept predictions).

/** Precision, recall, F1 and support of one class. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose true class it is. */
  support: number;
  /** Examples predicted as it. */
  predicted: number;
}

/** The N×N confusion matrix (row = true class, column = predicted) of class-id arrays. */
export function confusionMatrix(actual: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  if (actual.length !== predicted.length) throw new Error(`confusionMatrix: ${actual.length} true classes but ${predicted.length} predictions`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < actual.length; i++) {
    const [t, p] = [actual[i], predicted[i]];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) throw new Error(`confusionMatrix: class id ${t} or ${p} outside 0–${numClasses - 1}`);
    m[t][p]++;
  }
  return m;
}

/** Rows of a flattened (row-major) N×N matrix. */
export function unflatten(flat: ArrayLike<number>, numClasses: number, offset = 0): number[][] {
  return Array.from({ length: numClasses }, (_, t) => Array.from({ length: numClasses }, (_, p) => flat[offset + t * numClasses + p]));
}

/**
 * Per-class scores. A class never predicted has precision 0, one never present has recall 0, and F1 is 0
 * when both are 0: scikit-learn's `zero_division=0`.
 */
export function classScores(m: readonly (readonly number[])[]): ClassScores[] {
  return m.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = m.reduce((a, r) => a + r[c], 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support, predicted };
  });
}

/** Fraction on the diagonal; 0 for an empty matrix. */
export function accuracy(m: readonly (readonly number[])[]): number {
  let total = 0;
  let right = 0;
  m.forEach((row, t) => row.forEach((v, p) => ((total += v), (right += t === p ? v : 0))));
  return total > 0 ? right / total : 0;
}

/**
 * Unweighted mean of the per-class F1 over the classes that occur as truth or as prediction (scikit-learn's
 * `f1_score(average='macro')` on the two arrays): a class absent from a split neither helps nor hurts it.
 */
export function macroF1(scores: readonly ClassScores[]): number {
  const present = scores.filter((s) => s.support > 0 || s.predicted > 0);
  return present.length > 0 ? present.reduce((a, s) => a + s.f1, 0) / present.length : 0;
}
