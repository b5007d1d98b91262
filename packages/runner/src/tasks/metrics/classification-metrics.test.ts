import { describe, expect, it } from 'vitest';
import { accuracy, classScores, confusionMatrix, macroF1, unflatten } from './classification-metrics.js';
import { metricKeyNames } from './metric-keys.js';

// 3 classes; truth 0 0 0 1 1 2, predicted 0 0 1 1 2 2:
//   class 0: tp 2, predicted 2, support 3 → P 1,   R 2/3, F1 0.8
//   class 1: tp 1, predicted 2, support 2 → P 1/2, R 1/2, F1 0.5
//   class 2: tp 1, predicted 2, support 1 → P 1/2, R 1,   F1 2/3
const actual = [0, 0, 0, 1, 1, 2];
const predicted = [0, 0, 1, 1, 2, 2];

describe('classification metrics', () => {
  it('confusion matrix: rows are the true class, columns the prediction', () => {
    expect(confusionMatrix(actual, predicted, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(unflatten([2, 1, 0, 0, 1, 1, 0, 0, 1], 3)).toEqual(confusionMatrix(actual, predicted, 3));
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/outside 0–2/);
  });

  it('per-class precision, recall, F1 and support, and accuracy', () => {
    const m = confusionMatrix(actual, predicted, 3);
    const s = classScores(m);
    expect(s.map((c) => c.precision)).toEqual([1, 0.5, 0.5]);
    expect(s[0].recall).toBeCloseTo(2 / 3, 12);
    expect(s.map((c) => c.recall).slice(1)).toEqual([0.5, 1]);
    expect(s[0].f1).toBeCloseTo(0.8, 12);
    expect(s[1].f1).toBeCloseTo(0.5, 12);
    expect(s[2].f1).toBeCloseTo(2 / 3, 12);
    expect(s.map((c) => c.support)).toEqual([3, 2, 1]);
    expect(accuracy(m)).toBeCloseTo(4 / 6, 12);
  });

  it('macro-F1 is the mean over classes seen as truth or prediction (scikit-learn)', () => {
    expect(macroF1(classScores(confusionMatrix(actual, predicted, 3)))).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    // A 4th class absent from both arrays changes nothing …
    expect(macroF1(classScores(confusionMatrix(actual, predicted, 4)))).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    // … one only predicted counts with F1 0 (precision 0, recall 0 by zero_division=0).
    const s = classScores(confusionMatrix([0, 0], [0, 1], 2));
    expect(s[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 });
    expect(macroF1(s)).toBeCloseTo((2 / 3 + 0) / 2, 12); // class 0: P 1, R 1/2 → F1 2/3
  });

  it('metric key names: unsafe characters replaced, collisions made distinct', () => {
    expect(metricKeyNames(['Adélie penguin', 'a/b', 'ok_1.2-x', 'a_b', ''])).toEqual(['Ad_lie_penguin', 'a_b', 'ok_1.2-x', 'a_b_3', '_']);
  });
});
