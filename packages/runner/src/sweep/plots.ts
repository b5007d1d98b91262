// Vega-Lite specs of a sweep's plots (rendered to PNG by reports/plots/render.ts): the objective per trial
// with the best so far, the objective against each parameter, and every trial's learning curve.
import type { TopLevelSpec } from 'vega-lite';
import type { SweepConfig } from '@xp/core';
import type { TrialRecord } from './types.js';

const SIZE = { width: 520, height: 300 };
const STATE_COLORS = { domain: ['COMPLETE', 'PRUNED', 'FAILED', 'RUNNING'], range: ['#1f77b4', '#ff7f0e', '#d62728', '#7f7f7f'] };

/** A trial's objective for plotting: its value, or for a pruned trial the last value it reported. */
function objective(t: TrialRecord): number | undefined {
  if (t.value !== undefined) return t.value;
  const steps = Object.keys(t.intermediate).map(Number).sort((a, b) => a - b);
  return steps.length ? t.intermediate[steps[steps.length - 1]] : undefined;
}

/** File-name-safe form of a dotted parameter name. */
export const plotName = (param: string) => `param_${param.replace(/[^A-Za-z0-9_.-]+/g, '_')}`;

/**
 * The plots of a sweep, by file name (without `.png`): `metric_by_trial`, `learning_curves`, and one
 * `param_<name>` scatter per parameter with numeric or categorical values.
 */
export function sweepPlots(trials: readonly TrialRecord[], sweep: SweepConfig): Record<string, TopLevelSpec> {
  const metric = sweep.metric.name;
  // Parameters as fields p0, p1, …: Vega reads dots in field names as nesting.
  const names = Object.keys(sweep.parameters);
  const rows = trials
    .map((t) => ({ trial: t.number, state: t.state, objective: objective(t), ...flat(t, names) }))
    .filter((r) => r.objective !== undefined && Number.isFinite(r.objective));
  const color = { field: 'state', type: 'nominal', title: 'state', scale: STATE_COLORS } as const;
  const plots: Record<string, TopLevelSpec> = {
    metric_by_trial: {
      ...SIZE,
      title: `${metric} by trial (${sweep.metric.goal}; line: best so far)`,
      data: { values: rows },
      layer: [
        {
          transform: [
            { filter: "datum.state === 'COMPLETE'" },
            { window: [{ op: sweep.metric.goal === 'maximize' ? 'max' : 'min', field: 'objective', as: 'best' }], sort: [{ field: 'trial' }], frame: [null, 0] },
          ],
          mark: { type: 'line', interpolate: 'step-after', color: '#2ca02c' },
          encoding: { x: { field: 'trial', type: 'quantitative' }, y: { field: 'best', type: 'quantitative' } },
        },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            x: { field: 'trial', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1 } },
            y: { field: 'objective', type: 'quantitative', title: metric, scale: { zero: false } },
            color,
          },
        },
      ],
    },
    learning_curves: {
      ...SIZE,
      title: `${metric} per epoch, by trial`,
      data: { values: trials.flatMap((t) => Object.entries(t.intermediate).map(([e, v]) => ({ trial: t.number, state: t.state, epoch: Number(e) + 1, value: v }))) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
        detail: { field: 'trial', type: 'nominal' },
        color,
      },
    },
  };
  names.forEach((name, i) => {
    const spec = sweep.parameters[name];
    const values = rows.map((r) => (r as Record<string, unknown>)[`p${i}`]).filter((v) => v !== undefined);
    if (values.length === 0) return;
    const numeric = values.every((v) => typeof v === 'number');
    const log = 'distribution' in spec && spec.distribution === 'log_uniform';
    plots[plotName(name)] = {
      ...SIZE,
      title: `${metric} vs ${name}`,
      data: { values: rows },
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: { field: `p${i}`, type: numeric ? 'quantitative' : 'nominal', title: name, ...(numeric ? { scale: log ? { type: 'log' } : { zero: false } } : {}) },
        y: { field: 'objective', type: 'quantitative', title: metric, scale: { zero: false } },
        color,
      },
    };
  });
  return plots;
}

// Parameter values as plot fields; non-scalar values (lists, mappings) as their JSON text, one category each.
function flat(t: TrialRecord, names: readonly string[]): Record<string, number | string | boolean | null> {
  const out: Record<string, number | string | boolean | null> = {};
  names.forEach((n, i) => {
    const v = t.params[n];
    if (v !== undefined) out[`p${i}`] = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  });
  return out;
}
