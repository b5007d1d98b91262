// Samplers by sweep `method`. A const map rather than a registry filled by imports: nothing global changes.
import type { SweepConfig } from '@xp/core';
import type { Sampler } from '../types.js';
import { GridSampler } from './grid-sampler.js';
import { RandomSampler } from './random-sampler.js';
import { TpeSampler } from './tpe-sampler.js';

export { GridSampler, type GridSamplerOptions } from './grid-sampler.js';
export { RandomSampler, type RandomSamplerOptions } from './random-sampler.js';
export { defaultGamma, defaultStartupTrials, TpeSampler, type TpeSamplerOptions } from './tpe-sampler.js';
export { CategoricalDimension, normalCdf, NumericDimension, observationWeights, ParzenEstimator, type BandwidthClip, type ParzenDimension } from './parzen-estimator.js';
export { codecOf, type ParamCodec } from './tpe-codec.js';
export { drawParams, paramRng, sampleFromPrior, type SearchSpace } from './search-space.js';

const SAMPLERS: { [M in SweepConfig['method']]: (config: SweepConfig) => Sampler } = {
  grid: (c) => new GridSampler(c.parameters, { maxTrials: c.max_trials, seed: c.seed }),
  random: (c) => new RandomSampler(c.parameters, { seed: c.seed }),
  tpe: (c) => new TpeSampler(c.parameters, { goal: c.metric.goal, seed: c.seed, nStartupTrials: c.tpe.n_startup_trials, nEiCandidates: c.tpe.n_ei_candidates, multivariate: c.tpe.multivariate }),
};

/**
 * The sampler of a validated sweep's `method`, with its seed and settings.
 *
 * @example const sampler = createSampler((await loadSweep('sweep.yaml')).config); sampler.sample(0, []);
 */
export function createSampler(config: SweepConfig): Sampler {
  const make = SAMPLERS[config.method];
  if (!make) throw new RangeError(`createSampler: unknown method '${String(config.method)}'; known: ${Object.keys(SAMPLERS).join(', ')}`);
  return make(config);
}
export { bestValue, simulateSweep } from './simulate.js';
