import { describe, expect, it } from 'vitest';
import { meanScores, scoresFromSums, scoresOf } from './regression-metrics.js';

// y = 1 2 3 4, ŷ = 1.5 2 2 5: e = .5 0 −1 1 → MAE 2.5/4 = 0.625, SSE 2.25 → RMSE √0.5625 = 0.75;
// ȳ = 2.5, SST = 2.25 + .25 + .25 + 2.25 = 5 → R² = 1 − 2.25/5 = 0.55.
const y = [1, 2, 3, 4];
const yhat = [1.5, 2, 2, 5];

describe('regression metrics', () => {
  it('MAE, RMSE and R² of arrays', () => {
    const s = scoresOf(y, yhat, 1);
    expect(s.mae).toBeCloseTo(0.625, 12);
    expect(s.rmse).toBeCloseTo(0.75, 12);
    expect(s.r2).toBeCloseTo(0.55, 12);
  });

  it('from standardised sums (mean 2.5, std 2) the same numbers in target units', () => {
    // ys = −.75 −.25 .25 .75, ŷs = −.5 −.25 −.25 1.25, es = .25 0 −.5 .5
    const s = scoresFromSums({ absError: 1.25, sqError: 0.5625, sumY: 0, sumY2: 1.25 }, 4, 2);
    expect(s.mae).toBeCloseTo(0.625, 12);
    expect(s.rmse).toBeCloseTo(0.75, 12);
    expect(s.r2).toBeCloseTo(0.55, 12);
  });

  it('second column of a [n × 2] array, and the mean over targets', () => {
    const actual = y.flatMap((v) => [0, v]);
    const pred = yhat.flatMap((v) => [0, v]);
    expect(scoresOf(actual, pred, 2, 1).r2).toBeCloseTo(0.55, 12);
    const m = meanScores([scoresOf(actual, pred, 2, 0), scoresOf(actual, pred, 2, 1)]);
    expect(m.mae).toBeCloseTo(0.3125, 12);
    expect(m.r2).toBeCloseTo((1 + 0.55) / 2, 12); // the constant, exactly predicted column scores R² 1
  });

  it('a constant target: R² 1 when predicted exactly, else 0 (scikit-learn force_finite)', () => {
    expect(scoresOf([3, 3], [3, 3], 1).r2).toBe(1);
    expect(scoresOf([3, 3], [3, 4], 1).r2).toBe(0);
  });
});
