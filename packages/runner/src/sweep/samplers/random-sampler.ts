import type { ParamValue, Sampler, TrialRecord } from '../types.js';
import { drawParams, paramRng, sampleFromPrior, type SearchSpace } from './search-space.js';

/** Options of {@link RandomSampler}. */
export interface RandomSamplerOptions {
  /** The sweep's `seed`. Defaults to 0. */
  seed?: number;
}

/**
 * Draws every parameter independently from its prior.
 *
 * Trial N's values depend only on (seed, N, parameter name), never on the history or on which process
 * samples it, so parallel workers and resumed sweeps agree on every trial.
 *
 * @example new RandomSampler({ 'model.dropout': { values: [0.2, 0.5] } }, { seed: 0 }).sample(3, [])
 */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  private readonly seed: number;

  constructor(
    private readonly space: SearchSpace,
    options: RandomSamplerOptions = {},
  ) {
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.seed) || this.seed < 0) throw new RangeError(`RandomSampler: seed must be a non-negative integer, but got seed=${options.seed}`);
  }

  sample(trialNumber: number, _history: readonly TrialRecord[] = []): Record<string, ParamValue> {
    if (!Number.isInteger(trialNumber) || trialNumber < 0) throw new RangeError(`RandomSampler: trialNumber must be a non-negative integer, but got ${trialNumber}`);
    return drawParams(this.space, (name, spec) => sampleFromPrior(spec, paramRng(this.seed, this.name, trialNumber, name)));
  }
}
