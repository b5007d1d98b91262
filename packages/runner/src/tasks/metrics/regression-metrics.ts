// Regression metrics of one target: from sums accumulated on the backend, or from kept predictions.

/** MAE, RMSE (target units) and R² of one target. */
export interface RegressionScores {
  mae: number;
  rmse: number;
  r2: number;
}

/** Sums over the examples of one target, in any linear rescaling of its units (see {@link scoresFromSums}). */
export interface ErrorSums {
  /** Σ|ŷ − y| */
  absError: number;
  /** Σ(ŷ − y)² */
  sqError: number;
  /** Σy */
  sumY: number;
  /** Σy² */
  sumY2: number;
}

/**
 * R² = 1 − SSE / SST. A target constant over the split (SST = 0) gets 1 when predicted exactly and 0
 * otherwise, as scikit-learn's `r2_score` does (`force_finite`).
 */
function r2(sse: number, sst: number): number {
  if (sst > 0) return 1 - sse / sst;
  return sse === 0 ? 1 : 0;
}

/**
 * Scores from sums taken in units `scale` times smaller than the target's (the standardised target, whose
 * `scale` is the training std). Standardised sums keep Σy² − (Σy)²/n clear of float32 cancellation when the
 * target's mean is large against its spread; R² does not depend on the scale.
 */
export function scoresFromSums(s: ErrorSums, n: number, scale = 1): RegressionScores {
  if (n <= 0) return { mae: 0, rmse: 0, r2: 0 };
  const sst = Math.max(0, s.sumY2 - (s.sumY * s.sumY) / n);
  return { mae: (scale * s.absError) / n, rmse: scale * Math.sqrt(Math.max(0, s.sqError) / n), r2: r2(s.sqError, sst) };
}

/** Scores of target `t` of row-major [n × width] arrays (both in target units). */
export function scoresOf(actual: ArrayLike<number>, predicted: ArrayLike<number>, width: number, t = 0): RegressionScores {
  const n = Math.floor(actual.length / width);
  if (predicted.length !== actual.length) throw new Error(`scoresOf: ${actual.length} targets but ${predicted.length} predictions`);
  if (n === 0) return { mae: 0, rmse: 0, r2: 0 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i * width + t];
  mean /= n;
  let abs = 0;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const y = actual[i * width + t];
    const e = predicted[i * width + t] - y;
    abs += Math.abs(e);
    sse += e * e;
    sst += (y - mean) * (y - mean);
  }
  return { mae: abs / n, rmse: Math.sqrt(sse / n), r2: r2(sse, sst) };
}

/** The mean of each score over targets. */
export function meanScores(scores: readonly RegressionScores[]): RegressionScores {
  const k = Math.max(1, scores.length);
  const sum = (f: keyof RegressionScores) => scores.reduce((a, s) => a + s[f], 0) / k;
  return { mae: sum('mae'), rmse: sum('rmse'), r2: sum('r2') };
}
