// What a sweep's parent run says about the sweep in MLflow's own fields, so it reads well in the UI and through
// any MLflow client: its settings as params (logged once, when the parent is created) and its best trial as
// tags. The best trial is a tag and not a param because MLflow params cannot change, and a resumed sweep (or one
// given a larger budget) can find a better trial; the budget is a param for the same reason only as first set,
// and `xp.sweep_max_trials` follows it.
import { flattenConfig, type ParameterSpec, type SweepConfig } from '@xp/core';
import { MLFLOW_LIMITS } from '../mlflow/index.js';
import type { ParamValue, TrialRecord } from './types.js';

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * One search-space entry as a short readable string.
 *
 * @example describeSpace({ distribution: 'log_uniform', min: 1e-4, max: 1e-2 }) // 'log_uniform(0.0001, 0.01)'
 * @example describeSpace({ values: [16, 32], when: { 'model.type': 'cnn' } }) // 'one of [16,32] when model.type=cnn'
 */
export function describeSpace(p: ParameterSpec): string {
  const base = 'values' in p
    ? `one of ${JSON.stringify(p.values)}`
    : `${p.distribution}(${p.min}, ${p.max})${p.q === undefined ? '' : ` q=${p.q}`}${p.grid_points === undefined ? '' : ` grid_points=${p.grid_points}`}`;
  const when = p.when ? ` when ${Object.entries(p.when).map(([k, v]) => `${k}=${json(v)}`).join(', ')}` : '';
  return base + when;
}

/**
 * The sweep's settings as flat MLflow params: `sweep.method`, `sweep.metric`, `sweep.goal`, `sweep.max_trials`,
 * `sweep.parallel`, `sweep.seed`, the method's and early termination's settings (`sweep.tpe.*`,
 * `sweep.early_termination.*`), and one `space.<parameter>` per searched parameter.
 */
export function sweepSettingsParams(c: SweepConfig): Record<string, string> {
  const out: Record<string, string> = {
    'sweep.method': c.method,
    'sweep.metric': c.metric.name,
    'sweep.goal': c.metric.goal,
    'sweep.max_trials': String(c.max_trials),
    'sweep.parallel': String(c.parallel),
    'sweep.seed': String(c.seed),
    ...(c.method === 'tpe' ? flattenConfig({ 'sweep.tpe': c.tpe }) : {}),
    ...(c.method === 'grid' ? { 'sweep.allow_truncation': String(c.allow_truncation) } : {}),
    ...(c.early_termination ? flattenConfig({ 'sweep.early_termination': c.early_termination }) : {}),
  };
  for (const [name, spec] of Object.entries(c.parameters)) out[`space.${name}`] = clip(describeSpace(spec), MLFLOW_LIMITS.maxParamValueLength);
  return out;
}

/** The best trial as tags: `best.<parameter>` for each param it was given, `best.<metric>`, `best.trial`, `best.run_id`. */
export function bestTrialTags(best: TrialRecord, metric: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(best.params) as [string, ParamValue][]) {
    tags[`best.${k}`] = clip(v === null ? 'null' : json(v), MLFLOW_LIMITS.maxTagValueLength);
  }
  return { ...tags, [`best.${metric}`]: String(best.value), 'best.trial': String(best.number), 'best.run_id': best.runId ?? '' };
}
