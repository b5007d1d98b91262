// Cross-field rules of a sweep file that the JSON Schema cannot express. They run only on a sweep that passed
// the schema, so they trust the types; each names the parameter, the value received and the fix.
import type { CheckIssue } from '../checks/check.js';
import { toPointer } from '../config/pointer.js';
import type { ParameterSpec, SweepSection } from './schema.js';
import { gridCombinations, gridSizeBound, gridValues, isCategorical, MAX_GRID_SIZE, sameValue } from './space.js';

/** A sweep problem: where (`prefer: 'key'` blames a parameter's key rather than its value) and what. */
export interface SweepCheckIssue extends CheckIssue {
  prefer?: 'key' | 'value';
}

/** JSON pointer of a key of the `sweep` section (or below it) in the sweep file. */
export function sweepPointer(...segments: (string | number)[]): string {
  return toPointer(['sweep', ...segments]);
}

/**
 * Runs every cross-field rule of the sweep file.
 *
 * @param written - Whether the file itself sets the value at a pointer (as opposed to a default).
 */
export function checkSweep(config: SweepSection, written: (pointer: string) => boolean): SweepCheckIssue[] {
  const names = Object.keys(config.parameters);
  if (names.length === 0) {
    return [{ pointer: sweepPointer('parameters'), message: 'parameters is empty; add at least one, e.g. model.dropout: { values: [0.2, 0.5] }' }];
  }
  const issues = names.flatMap((name, i) => [...checkRange(name, config.parameters[name], config.method), ...checkWhen(name, names.slice(0, i), config)]);
  if (config.method !== 'tpe' && written(sweepPointer('tpe'))) {
    issues.push({ pointer: sweepPointer('tpe'), message: `tpe settings only apply to method: tpe, but method is ${config.method}; remove them` });
  }
  if (issues.length === 0 && config.method === 'grid') issues.push(...checkGridSize(config));
  return issues;
}

function checkRange(name: string, spec: ParameterSpec, method: SweepSection['method']): SweepCheckIssue[] {
  const at = (key?: string) => sweepPointer('parameters', name, ...(key ? [key] : []));
  if (isCategorical(spec)) return [];
  const issues: SweepCheckIssue[] = [];
  const { distribution: d, min, max, q } = spec;
  if (!(min < max)) issues.push({ pointer: at('min'), message: `parameters.${name}: min must be below max, got min ${min} and max ${max}; swap them, or use { values: [${min}] } for a constant` });
  if (d === 'log_uniform' && min <= 0) issues.push({ pointer: at('min'), message: `parameters.${name}: log_uniform needs min > 0 (its log is sampled), got ${min}; use e.g. 1.0e-5, or distribution: uniform` });
  if (d === 'int_uniform') {
    for (const [key, v] of [['min', min], ['max', max], ['q', q]] as const) {
      if (v !== undefined && !Number.isInteger(v)) issues.push({ pointer: at(key), message: `parameters.${name}: int_uniform needs a whole-number ${key}, got ${v}` });
    }
  }
  if (q !== undefined && min < max && q > max - min) issues.push({ pointer: at('q'), message: `parameters.${name}: q (${q}) is larger than max - min (${max - min}), so only min could be sampled; use a smaller step` });
  if (spec.grid_points !== undefined && method !== 'grid') {
    issues.push({ pointer: at('grid_points'), message: `parameters.${name}: grid_points only applies to method: grid, but method is ${method}; remove it` });
  }
  if (method === 'grid' && issues.length === 0 && gridValues(spec) === undefined) {
    issues.push({ pointer: at(), prefer: 'key', message: `parameters.${name}: a ${d} range has no grid points; add q (a step, e.g. q: ${(max - min) / 4}) or grid_points (a count, e.g. grid_points: 5), or list { values: [...] }` });
  }
  return issues;
}

// `when` may only refer to earlier categorical parameters: the samplers go through the parameters in file
// order, so the condition is decided before it is needed, and no cycle can be written.
function checkWhen(name: string, earlier: string[], config: SweepSection): SweepCheckIssue[] {
  const issues: SweepCheckIssue[] = [];
  for (const [other, value] of Object.entries(config.parameters[name].when ?? {})) {
    const pointer = sweepPointer('parameters', name, 'when', other);
    const at = { pointer, prefer: 'key' as const };
    const spec = config.parameters[other];
    if (spec === undefined || !earlier.includes(other)) {
      const why = other === name ? 'a parameter cannot depend on itself' : spec === undefined ? `'${other}' is not a parameter of this sweep` : `'${other}' comes after it; move '${other}' above '${name}'`;
      issues.push({ ...at, message: `parameters.${name}.when must refer to an earlier parameter: ${why}` });
    } else if (!isCategorical(spec)) {
      issues.push({ ...at, message: `parameters.${name}.when refers to '${other}', a ${spec.distribution} range; conditions need a parameter with values: [...]` });
    } else if (!spec.values.some((v) => sameValue(v, value))) {
      issues.push({ ...at, message: `parameters.${name}.when: '${other}' never takes the value ${JSON.stringify(value)} (its values: ${JSON.stringify(spec.values)}), so '${name}' would never be sampled` });
    }
  }
  return issues;
}

function checkGridSize(config: SweepSection): SweepCheckIssue[] {
  const sizes = Object.values(config.parameters).map((s) => gridValues(s)?.length ?? 0);
  const combos = gridCombinations(config.parameters);
  const n = combos?.length ?? gridSizeBound(config.parameters);
  const product = sizes.length > 1 ? `${sizes.join(' × ')} = ` : '';
  if (combos === undefined) {
    return [{ pointer: sweepPointer('method'), message: `the grid has ${product}${n} combinations, more than ${MAX_GRID_SIZE} can be listed; use method: random or tpe, or fewer values` }];
  }
  if (n > config.max_trials && !config.allow_truncation) {
    return [
      {
        pointer: sweepPointer('max_trials'),
        message: `the grid has ${product}${n} combinations${product && n < gridSizeBound(config.parameters) ? ' (with conditions)' : ''}, more than max_trials ${config.max_trials}; raise max_trials to ${n}, or set allow_truncation: true to run a random ${config.max_trials} of them`,
      },
    ];
  }
  return [];
}
