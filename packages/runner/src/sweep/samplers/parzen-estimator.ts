// The densities l(x) and g(x) of TPE (Bergstra et al. 2011), one parameter at a time, with Optuna's
// defaults: a prior kernel, the older observations down-weighted past 25, neighbour-distance bandwidths
// clipped to [range/min(100, 1+n), range], truncated to the parameter's range.
import type { Rng } from '@xp/core';

/** Optuna's `default_weights`: 1 for the newest 25 observations, a linear ramp from 1/n for older ones. */
export function observationWeights(n: number): number[] {
  if (n < 25) return Array<number>(n).fill(1);
  return [...Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26))), ...Array<number>(25).fill(1)];
}

// erfc with fractional error < 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit): plenty for ratios of
// densities, and it stays accurate far in the tails, unlike 1 - erf.
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m === -Infinity ? -Infinity : m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** A mixture of normals truncated to [low, high]: one kernel per observation plus a wide prior kernel. */
export class NumericParzenEstimator {
  private readonly mus: number[];
  private readonly sigmas: number[];
  private readonly logWeights: number[];
  private readonly weights: number[];
  private readonly logMass: number[];
  private readonly low: number;
  private readonly high: number;

  /**
   * @param observations - Values in the estimator's space (log values for log-scale parameters), in [low, high].
   * @param weights - One weight per observation (see {@link observationWeights}).
   * @param low - Smallest value. @param high - Largest value (> low).
   * @param step - Spacing of discrete values (integers, `q`); densities become the mass of each value's bin.
   *   Defaults to continuous.
   * @param priorWeight - Weight of the prior kernel N((low+high)/2, high-low). Defaults to 1 (Optuna's).
   */
  constructor(observations: readonly number[], weights: readonly number[], low: number, high: number, private readonly step?: number, priorWeight = 1) {
    if (!(low < high)) throw new RangeError(`NumericParzenEstimator: low must be below high, but got low=${low}, high=${high}`);
    if (weights.length !== observations.length) throw new RangeError(`NumericParzenEstimator: one weight per observation needed, but got ${weights.length} for ${observations.length}`);
    // Discrete values own the bin [x - step/2, x + step/2], so the range covers the end bins whole.
    this.low = step ? low - step / 2 : low;
    this.high = step ? high + step / 2 : high;
    const range = this.high - this.low;
    // Bandwidths from the observations alone (the prior kernel is added after, with sigma = range).
    const order = observations.map((_, i) => i).sort((a, b) => observations[a] - observations[b]);
    const pts = [this.low, ...order.map((i) => observations[i]), this.high];
    const sorted = order.map((_, k) => Math.max(pts[k + 1] - pts[k], pts[k + 2] - pts[k + 1]));
    // Optuna's consider_endpoints=False: the outermost kernels are sized by their inner neighbour only.
    if (pts.length >= 4) [sorted[0], sorted[sorted.length - 1]] = [pts[2] - pts[1], pts[pts.length - 2] - pts[pts.length - 3]];
    const sigmas: number[] = [];
    order.forEach((i, k) => (sigmas[i] = sorted[k]));
    const minSigma = range / Math.min(100, 2 + observations.length);
    this.mus = [...observations, (this.low + this.high) / 2];
    this.sigmas = [...sigmas.map((s) => Math.min(range, Math.max(minSigma, s))), range];
    const total = weights.reduce((s, w) => s + w, 0) + priorWeight;
    this.weights = [...weights, priorWeight].map((w) => w / total);
    this.logWeights = this.weights.map((w) => Math.log(w));
    this.logMass = this.mus.map((mu, i) => Math.log(normalCdf((this.high - mu) / this.sigmas[i]) - normalCdf((this.low - mu) / this.sigmas[i])));
  }

  /** `n` draws (continuous; round them to the step before scoring them). */
  sample(rng: Rng, n: number): number[] {
    return Array.from({ length: n }, () => {
      const k = pick(this.weights, rng.next());
      // Rejection: each kernel's mean lies in the range and its sigma is at most the range, so at least a
      // third of the draws land inside; after 100 misses (never seen in practice) take the mean.
      for (let tries = 0; tries < 100; tries++) {
        const x = this.mus[k] + this.sigmas[k] * rng.normal();
        if (x >= this.low && x <= this.high) return x;
      }
      return this.mus[k];
    });
  }

  /** Log density at `x` (log probability of x's bin when discrete). */
  logPdf(x: number): number {
    return logSumExp(this.mus.map((mu, i) => this.logWeights[i] - this.logMass[i] + this.logKernel(x, mu, this.sigmas[i])));
  }

  private logKernel(x: number, mu: number, sigma: number): number {
    const z = (x - mu) / sigma;
    const density = -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma);
    if (!this.step) return density;
    const half = this.step / 2;
    const mass = normalCdf((x + half - mu) / sigma) - normalCdf((x - half - mu) / sigma);
    // Far in a tail the CDF difference rounds to 0; density × width is then the accurate value.
    return mass > 1e-12 ? Math.log(mass) : density + Math.log(this.step);
  }
}

/**
 * A categorical distribution: a mixture of one kernel per observation (its choice, smoothed by
 * priorWeight/(n+1) on every choice, as Optuna does) and a uniform prior kernel.
 */
export class CategoricalParzenEstimator {
  private readonly probs: number[];

  /**
   * @param observations - Indices of the observed choices.
   * @param weights - One weight per observation.
   * @param nChoices - Number of choices.
   * @param priorWeight - Weight of the uniform prior kernel. Defaults to 1.
   */
  constructor(observations: readonly number[], weights: readonly number[], nChoices: number, priorWeight = 1) {
    if (!Number.isInteger(nChoices) || nChoices < 1) throw new RangeError(`CategoricalParzenEstimator: nChoices must be a positive integer, but got nChoices=${nChoices}`);
    const smoothing = priorWeight / (observations.length + 1);
    const kernelNorm = 1 + nChoices * smoothing;
    const total = weights.reduce((s, w) => s + w, 0) + priorWeight;
    this.probs = Array<number>(nChoices).fill(priorWeight / nChoices / total);
    observations.forEach((c, i) => {
      for (let j = 0; j < nChoices; j++) this.probs[j] += (weights[i] / total) * ((smoothing + (j === c ? 1 : 0)) / kernelNorm);
    });
  }

  /** `n` draws of choice indices. */
  sample(rng: Rng, n: number): number[] {
    return Array.from({ length: n }, () => pick(this.probs, rng.next()));
  }

  logPdf(choice: number): number {
    return Math.log(this.probs[choice]);
  }
}

function pick(probs: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i];
    if (u < acc) return i;
  }
  return probs.length - 1;
}
