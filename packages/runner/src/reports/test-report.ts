// The content of a run's `metrics/test.json`: the headline test numbers plus the breakdowns the logged
// metrics do not have (accuracy per true sequence length), all recomputed from the kept predictions.
import { isExact, sequenceCount, sequenceLength, type SequencePredictions } from './plots/sequence-predictions.js';

/** Exact match of the sequences with one true length; `exact_match` is null when there are none. */
export interface LengthBreakdown {
  count: number;
  exact_match: number | null;
}

/** What `metrics/test.json` holds (snake_case, like the logged metric names). */
export interface TestReport {
  count: number;
  exact_match: number;
  /** Sequences whose predicted digit count (non-blank positions) equals the true one. */
  length_acc: number;
  /** Mean accuracy over all positions. */
  digit_acc: number;
  /** Accuracy of each position: `{ pos0: …, pos1: … }`. */
  per_position_acc: Record<string, number>;
  /** By true length (`"1"`, `"2"`, … up to maxLen). */
  per_length: Record<string, LengthBreakdown>;
  /** The evaluation's own metrics as logged (e.g. `test_loss`, `test_length_acc` of a length head). */
  metrics: Record<string, number>;
}

/**
 * Builds the test report of an evaluation run with `keepPredictions: true`.
 * `length_acc` here judges the digit head (non-blank count); a model with a length head has its head's
 * accuracy in `metrics`.
 */
export function testReport(test: { metrics: Record<string, number>; predictions?: SequencePredictions }): TestReport {
  if (!test.predictions) throw new Error('testReport needs the predictions: evaluate the test split with { keepPredictions: true }');
  const p: SequencePredictions = test.predictions;
  const n = sequenceCount(p);
  if (n === 0) throw new Error('testReport: the test evaluation has no sequences');
  let exact = 0;
  let lengthOk = 0;
  const posOk = new Array<number>(p.maxLen).fill(0);
  const byLength = Array.from({ length: p.maxLen + 1 }, () => ({ count: 0, exact: 0 }));
  for (let s = 0; s < n; s++) {
    const ok = isExact(p, s);
    const len = sequenceLength(p.labels, p.maxLen, s);
    exact += ok ? 1 : 0;
    lengthOk += len === sequenceLength(p.preds, p.maxLen, s) ? 1 : 0;
    byLength[len].count++;
    byLength[len].exact += ok ? 1 : 0;
    for (let i = 0; i < p.maxLen; i++) posOk[i] += p.preds[s * p.maxLen + i] === p.labels[s * p.maxLen + i] ? 1 : 0;
  }
  const perLength: Record<string, LengthBreakdown> = {};
  for (let len = 1; len <= p.maxLen; len++) {
    const b = byLength[len];
    perLength[String(len)] = { count: b.count, exact_match: b.count > 0 ? b.exact / b.count : null };
  }
  return {
    count: n,
    exact_match: exact / n,
    length_acc: lengthOk / n,
    digit_acc: posOk.reduce((a, b) => a + b, 0) / (n * p.maxLen),
    per_position_acc: Object.fromEntries(posOk.map((c, i) => [`pos${i}`, c / n])),
    per_length: perLength,
    metrics: { ...test.metrics },
  };
}
