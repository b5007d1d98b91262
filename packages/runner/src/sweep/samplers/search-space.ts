// Helpers shared by the samplers: going through the parameters in file order (so a `when` condition is
// decided before the parameter that depends on it), one random stream per (trial, parameter), and draws
// from a parameter's prior.
import { createRng, isActive, isCategorical, quantize, valueRange, type ParameterSpec, type Rng } from '@xp/core';
import type { ParamValue } from '../types.js';

/** The `parameters` section of a sweep: dotted path → spec, in file order. */
export type SearchSpace = Readonly<Record<string, ParameterSpec>>;

/**
 * The random stream of one parameter of one trial. Keyed by the trial number (not by how many trials this
 * process has sampled), so trial N gets the same values whichever worker samples it, and adding a parameter
 * leaves the other parameters' draws unchanged.
 */
export function paramRng(seed: number, sampler: string, trialNumber: number, name: string): Rng {
  return createRng(seed, `sweep/${sampler}/${trialNumber}/${name}`);
}

/** Chooses a value for every active parameter, in order; inactive (conditional) parameters are left out. */
export function drawParams(space: SearchSpace, draw: (name: string, spec: ParameterSpec, chosen: Readonly<Record<string, ParamValue>>) => ParamValue): Record<string, ParamValue> {
  const chosen: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(space)) if (isActive(spec, chosen)) chosen[name] = draw(name, spec, chosen);
  return chosen;
}

/** The step of a numeric parameter's values, if it has one (integers have step 1). */
export function stepOf(spec: ParameterSpec): number | undefined {
  if (isCategorical(spec)) return undefined;
  return spec.q ?? (spec.distribution === 'int_uniform' ? 1 : undefined);
}

/** A copy of a listed value, so that no trial's params share objects with the config or with each other. */
export function copyValue(value: unknown): ParamValue {
  return (typeof value === 'object' && value !== null ? structuredClone(value) : value) as ParamValue;
}

/**
 * A draw from the parameter's prior: a uniform choice of `values`; uniform over [min, max] (or over its steps);
 * log-uniform for `log_uniform`.
 */
export function sampleFromPrior(spec: ParameterSpec, rng: Rng): ParamValue {
  if (isCategorical(spec)) return copyValue(spec.values[rng.int(spec.values.length)]);
  const { low, high } = valueRange(spec);
  if (spec.distribution === 'log_uniform') return quantize(spec, Math.exp(rng.uniform(Math.log(low), Math.log(high))));
  const step = stepOf(spec);
  if (step === undefined) return rng.uniform(low, high);
  // Every step equally likely; rounding a uniform draw would give the two ends half the chance of the others.
  return quantize(spec, low + rng.int(Math.round((high - low) / step) + 1) * step);
}
