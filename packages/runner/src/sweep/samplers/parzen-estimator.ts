// The densities l(x) and g(x) of TPE (Bergstra et al. 2011), close to Optuna's: one kernel per observation
// plus a wide prior kernel, the older observations down-weighted past 25, neighbour-distance bandwidths
// (the prior's mean counted as a neighbour, as Optuna does) clipped to [range·max(Δ, (n+2)^-α), range],
// truncated to the parameter's range. Kernel k of every
// dimension belongs to observation k, so with several dimensions the mixture is over joint kernels
// (multivariate TPE, Falkner et al. 2018), and with one it is the classic univariate estimator.
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
  const c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
  const poly = c.reduceRight((acc, ci) => ci + t * acc, 0);
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** One dimension of a Parzen estimator: kernel k is observation k's, the last one is the prior. */
export interface ParzenDimension {
  /** Log density (or log mass, for discrete values) of `x` under kernel `k`. */
  logKernel(k: number, x: number): number;
  /** A draw from kernel `k` (continuous for numeric dimensions: round it to the step before scoring). */
  sampleKernel(k: number, rng: Rng): number;
}

/**
 * The lower clip of numeric bandwidths, Optuna's "magic clip" generalised as in Watanabe (2023, arXiv
 * 2304.11127): a kernel is at least range·max(minFactor, (n+2)^-exponent) wide for n observations.
 */
export interface BandwidthClip {
  /** Δ: the narrowest kernel as a fraction of the range, however many observations. Defaults to 0.01 (Optuna's 1/100). */
  minFactor?: number;
  /**
   * α: how fast the clip narrows with n. Defaults to 1.5. With Optuna's 1, the one or two good trials of a
   * 20-trial sweep get kernels of a third or a quarter of the range, too coarse to refine an optimum found
   * early; 1.5 narrows them to a fifth and an eighth. Raising α was the largest single gain over Optuna's
   * defaults in bench/tpe (see bench/README.md); 2 refines faster still but explores too little.
   */
  exponent?: number;
}

/** A numeric dimension: normals truncated to [low, high] (in the estimator's space, e.g. log values). */
export class NumericDimension implements ParzenDimension {
  private readonly mus: number[];
  private readonly sigmas: number[];
  private readonly logZ: number[];
  private readonly low: number;
  private readonly high: number;

  /**
   * @param observations - One value per observation, in [low, high].
   * @param step - Spacing of discrete values (integers, `q`): each value owns the bin [x - step/2, x + step/2]
   *   and is scored by its mass. Defaults to continuous.
   * @param clip - The lower clip of the bandwidths. Defaults to Δ = 0.01, α = 1.5.
   */
  constructor(observations: readonly number[], low: number, high: number, private readonly step?: number, clip: BandwidthClip = {}) {
    if (!(low < high)) throw new RangeError(`NumericDimension: low must be below high, but got low=${low}, high=${high}`);
    const { minFactor = 0.01, exponent = 1.5 } = clip;
    if (!(minFactor > 0 && minFactor <= 1)) throw new RangeError(`NumericDimension: clip.minFactor must be in (0, 1], but got minFactor=${minFactor}`);
    if (!(exponent > 0)) throw new RangeError(`NumericDimension: clip.exponent must be positive, but got exponent=${exponent}`);
    this.low = step ? low - step / 2 : low;
    this.high = step ? high + step / 2 : high;
    const range = this.high - this.low;
    const priorMu = (this.low + this.high) / 2;
    // Neighbour distances with the prior's mean among the points (as Optuna does): a lone good observation
    // then gets a kernel as wide as its distance to the middle, not to the far end of the range.
    const points = [...observations, priorMu];
    const order = points.map((_, i) => i).sort((a, b) => points[a] - points[b]);
    const pts = [this.low, ...order.map((i) => points[i]), this.high];
    const sorted = order.map((_, k) => Math.max(pts[k + 1] - pts[k], pts[k + 2] - pts[k + 1]));
    // Optuna's consider_endpoints=False: the outermost kernels are sized by their inner neighbour only.
    if (pts.length >= 4) [sorted[0], sorted[sorted.length - 1]] = [pts[2] - pts[1], pts[pts.length - 2] - pts[pts.length - 3]];
    const sigmas: number[] = [];
    order.forEach((i, k) => (sigmas[i] = sorted[k]));
    const minSigma = range * Math.max(minFactor, (observations.length + 2) ** -exponent);
    this.mus = [...observations, priorMu];
    this.sigmas = [...sigmas.slice(0, observations.length).map((s) => Math.min(range, Math.max(minSigma, s))), range];
    this.logZ = this.mus.map((mu, k) => Math.log(normalCdf((this.high - mu) / this.sigmas[k]) - normalCdf((this.low - mu) / this.sigmas[k])));
  }

  logKernel(k: number, x: number): number {
    const [mu, sigma] = [this.mus[k], this.sigmas[k]];
    const z = (x - mu) / sigma;
    const density = -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - this.logZ[k];
    if (!this.step) return density;
    const half = this.step / 2;
    const mass = normalCdf((x + half - mu) / sigma) - normalCdf((x - half - mu) / sigma);
    // Far in a tail the CDF difference rounds to 0; density × width is then the accurate value.
    return mass > 1e-12 ? Math.log(mass) - this.logZ[k] : density + Math.log(this.step);
  }

  sampleKernel(k: number, rng: Rng): number {
    // Rejection: each mean lies in the range and each sigma is at most the range, so at least a third of the
    // draws land inside; after 100 misses (not seen in practice) take the mean.
    for (let tries = 0; tries < 100; tries++) {
      const x = this.mus[k] + this.sigmas[k] * rng.normal();
      if (x >= this.low && x <= this.high) return x;
    }
    return this.mus[k];
  }
}

/** A categorical dimension: each observation's kernel is its choice smoothed by priorWeight/(n+1) on every choice. */
export class CategoricalDimension implements ParzenDimension {
  private readonly rows: number[][];

  /** @param observations - Indices of the observed choices. @param nChoices - Number of choices. */
  constructor(observations: readonly number[], nChoices: number, priorWeight = 1) {
    if (!Number.isInteger(nChoices) || nChoices < 1) throw new RangeError(`CategoricalDimension: nChoices must be a positive integer, but got nChoices=${nChoices}`);
    const smoothing = priorWeight / (observations.length + 1);
    const norm = 1 + nChoices * smoothing;
    this.rows = [
      ...observations.map((c) => Array.from({ length: nChoices }, (_, j) => (smoothing + (j === c ? 1 : 0)) / norm)),
      Array<number>(nChoices).fill(1 / nChoices),
    ];
  }

  logKernel(k: number, choice: number): number {
    return Math.log(this.rows[k][choice]);
  }

  sampleKernel(k: number, rng: Rng): number {
    return pick(this.rows[k], rng.next());
  }
}

/** A mixture of (product) kernels over one or more dimensions, observation k's kernel weighted by weights[k]. */
export class ParzenEstimator {
  private readonly weights: number[];
  private readonly logWeights: number[];

  /**
   * @param dimensions - Built from the same observations, in the same order.
   * @param weights - One weight per observation (see {@link observationWeights}).
   * @param priorWeight - Weight of the prior kernel. Defaults to 1 (Optuna's).
   */
  constructor(private readonly dimensions: readonly ParzenDimension[], weights: readonly number[], priorWeight = 1) {
    if (!(priorWeight > 0)) throw new RangeError(`ParzenEstimator: priorWeight must be positive, but got priorWeight=${priorWeight}`);
    const total = weights.reduce((s, w) => s + w, 0) + priorWeight;
    this.weights = [...weights, priorWeight].map((w) => w / total);
    this.logWeights = this.weights.map((w) => Math.log(w));
  }

  /** `n` points, one value per dimension. */
  sample(rng: Rng, n: number): number[][] {
    return Array.from({ length: n }, () => {
      const k = pick(this.weights, rng.next());
      return this.dimensions.map((d) => d.sampleKernel(k, rng));
    });
  }

  /** Log density of a point (one value per dimension). */
  logPdf(x: readonly number[]): number {
    const terms = this.logWeights.map((lw, k) => this.dimensions.reduce((s, d, i) => s + d.logKernel(k, x[i]), lw));
    const m = Math.max(...terms);
    return m === -Infinity ? -Infinity : m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
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
