// What values each parameter can take. The loader (to validate the extremes), the grid and the samplers all
// go through these functions, so "the values a trial can get" is defined once.
import { canonicalJson } from '../hash.js';
import type { CategoricalParameter, DistributionParameter, ParameterSpec } from './schema.js';

/** Most grid combinations enumerated; beyond that a random or TPE sweep is the tool. */
export const MAX_GRID_SIZE = 100_000;

/** True for `{ values: [...] }` parameters. */
export function isCategorical(spec: ParameterSpec): spec is CategoricalParameter {
  return 'values' in spec;
}

/** Whether `spec` is sampled, given the values already chosen for the parameters before it. */
export function isActive(spec: ParameterSpec, chosen: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(spec.when ?? {}).every(([p, v]) => p in chosen && canonicalJson(chosen[p]) === canonicalJson(v));
}

/** True when two parameter values are the same data (key order of mappings ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function step(spec: DistributionParameter): number | undefined {
  return spec.q ?? (spec.distribution === 'int_uniform' ? 1 : undefined);
}

// Steps accumulate float noise (0.1 + 2·0.1 = 0.30000000000000004); 12 significant digits is far below any
// step anyone would configure and makes the value print (and hash) as written.
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/** The smallest and largest value a trial can get (after quantisation). */
export function valueRange(spec: DistributionParameter): { low: number; high: number } {
  const q = step(spec);
  if (q === undefined) return { low: spec.min, high: spec.max };
  const low = spec.distribution === 'int_uniform' ? Math.ceil(spec.min) : spec.min;
  return { low, high: tidy(low + Math.floor((spec.max - low) / q + 1e-9) * q) };
}

/** Rounds `x` to the parameter's step (if any) and clamps it to {@link valueRange}. */
export function quantize(spec: DistributionParameter, x: number): number {
  const { low, high } = valueRange(spec);
  const q = step(spec);
  const v = q === undefined ? x : tidy(low + Math.round((x - low) / q) * q);
  return Math.min(high, Math.max(low, v));
}

/**
 * The values a grid sweep tries for one parameter, or undefined when the range is continuous and neither
 * `q` nor `grid_points` says which points to take.
 */
export function gridValues(spec: ParameterSpec): unknown[] | undefined {
  if (isCategorical(spec)) return spec.values;
  const { low, high } = valueRange(spec);
  if (spec.grid_points !== undefined) {
    const n = spec.grid_points;
    const log = spec.distribution === 'log_uniform';
    const [a, b] = log ? [Math.log(low), Math.log(high)] : [low, high];
    // Tidied: exp(log(1e-4)) is 1.0000000000000002e-4, which would print (and be tried) as such.
    const points = Array.from({ length: n }, (_, i) => {
      const t = a + ((b - a) * i) / (n - 1);
      return quantize(spec, tidy(log ? Math.exp(t) : t));
    });
    return [...new Set(points)];
  }
  const q = step(spec);
  if (q === undefined) return undefined;
  const n = Math.round((high - low) / q) + 1;
  return Array.from({ length: n }, (_, i) => tidy(low + i * q));
}

/** Product of the grid sizes of all parameters: the grid size when none is conditional, else an upper bound. */
export function gridSizeBound(parameters: Readonly<Record<string, ParameterSpec>>): number {
  return Object.values(parameters).reduce((n, spec) => n * (gridValues(spec)?.length ?? Infinity), 1);
}

/**
 * Every combination of grid values, first parameter varying slowest. A conditional parameter only varies
 * where its `when` holds (and is absent elsewhere). Undefined when some range is continuous or there are
 * more than `limit` combinations.
 */
export function gridCombinations(
  parameters: Readonly<Record<string, ParameterSpec>>,
  limit = MAX_GRID_SIZE,
): Record<string, unknown>[] | undefined {
  let combos: Record<string, unknown>[] = [{}];
  for (const [name, spec] of Object.entries(parameters)) {
    const values = gridValues(spec);
    if (values === undefined) return undefined;
    const next: Record<string, unknown>[] = [];
    for (const c of combos) {
      if (!isActive(spec, c)) next.push(c);
      else for (const v of values) next.push({ ...c, [name]: v });
      if (next.length > limit) return undefined;
    }
    combos = next;
  }
  return combos;
}
