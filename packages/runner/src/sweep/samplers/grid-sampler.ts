import { createRng, gridCombinations } from '@xp/core';
import type { ParamValue, Sampler, TrialRecord } from '../types.js';
import { copyValue, type SearchSpace } from './search-space.js';

/** Options of {@link GridSampler}. */
export interface GridSamplerOptions {
  /** The sweep's `max_trials`; a larger grid is run as a seeded random subset of this size. Defaults to the grid size. */
  maxTrials?: number;
  /** Seed of the subset's order when the grid is truncated. Defaults to 0. */
  seed?: number;
}

/**
 * Tries every combination of the grid values (`values`, or a range's `q` steps / `grid_points`), trial N
 * getting combination N.
 *
 * The full grid runs in order, first parameter varying slowest, which reads well in the MLflow table. A grid
 * larger than `maxTrials` (allowed by `allow_truncation`) is shuffled with the seed first: in order, the
 * first parameters would never change within the trials that run.
 *
 * @throws RangeError when a range has no grid points, the grid is too large to list, or a trial number is
 *   past the end of the grid.
 */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  /** The combinations, in the order trials get them. */
  private readonly combos: readonly Record<string, unknown>[];

  constructor(space: SearchSpace, options: GridSamplerOptions = {}) {
    const all = gridCombinations(space);
    if (all === undefined) {
      throw new RangeError('GridSampler: every range needs q or grid_points and the grid must be small enough to list; loadSweep reports which parameter');
    }
    const maxTrials = options.maxTrials ?? all.length;
    if (!Number.isInteger(maxTrials) || maxTrials < 1) throw new RangeError(`GridSampler: maxTrials must be a positive integer, but got maxTrials=${options.maxTrials}`);
    this.combos = all.length > maxTrials ? createRng(options.seed ?? 0, 'sweep/grid').shuffle([...all]).slice(0, maxTrials) : all;
  }

  /** Number of trials the grid has (after truncation). */
  get size(): number {
    return this.combos.length;
  }

  sample(trialNumber: number, _history: readonly TrialRecord[] = []): Record<string, ParamValue> {
    if (!Number.isInteger(trialNumber) || trialNumber < 0 || trialNumber >= this.combos.length) {
      throw new RangeError(`GridSampler: trialNumber must be an integer in [0, ${this.combos.length - 1}] (the grid has ${this.combos.length} combinations), but got ${trialNumber}`);
    }
    return Object.fromEntries(Object.entries(this.combos[trialNumber]).map(([k, v]) => [k, copyValue(v)]));
  }
}
