// Named classification metrics from the counts summed over an epoch (see classificationCounts).
import { accuracy, classScores, macroF1, unflatten } from '../metrics/classification-metrics.js';

/** What {@link classificationMetrics} needs to know besides the counts. */
export interface ClassificationMetricsOptions {
  /** Metric-key-safe class names, in class-id order. */
  keys: readonly string[];
  /** k of the top-k accuracy; 0 when it is not logged. */
  topK: number;
}

/**
 * `loss`, `accuracy`, `top_k_accuracy` (when topK > 0), `macro_f1`, `precision/<class>`, `recall/<class>`,
 * each prefixed; `counts` is the flattened confusion matrix followed by the top-k right count.
 */
export function classificationMetrics(counts: ArrayLike<number>, lossSum: number, n: number, prefix: string, o: ClassificationMetricsOptions): Record<string, number> {
  const k = o.keys.length;
  if (counts.length !== k * k + 1) throw new Error(`classification counts: expected ${k * k + 1} values for ${k} classes, got ${counts.length}`);
  const m = unflatten(counts, k);
  const scores = classScores(m);
  const out: Record<string, number> = {
    [`${prefix}loss`]: n > 0 ? lossSum / n : 0,
    [`${prefix}accuracy`]: accuracy(m),
  };
  if (o.topK > 0) out[`${prefix}top_k_accuracy`] = n > 0 ? counts[k * k] / n : 0;
  out[`${prefix}macro_f1`] = macroF1(scores);
  scores.forEach((s, c) => {
    out[`${prefix}precision/${o.keys[c]}`] = s.precision;
    out[`${prefix}recall/${o.keys[c]}`] = s.recall;
  });
  return out;
}
