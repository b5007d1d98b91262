// The learning curves of every compared run overlaid: validation exact match and loss per epoch, one
// colour per run, so the runs' speed and ceiling can be compared at a glance.
import type { TopLevelSpec } from 'vega-lite';
import { runLabels, type CompareRow } from './compare-table.js';
import type { CompareRunData } from './load-runs.js';

const PANELS = [
  { key: 'val_exact_match', title: 'val exact match', format: '.2~%' },
  { key: 'val_loss', title: 'val loss', format: '~g' },
] as const;

/** Long-form points `{run, metric, epoch, value}`; epochs are 1-based (MLflow step + 1). */
export function compareCurvePoints(runs: readonly CompareRunData[], rows: ReadonlyArray<Pick<CompareRow, 'name' | 'runId'>>) {
  const labels = runLabels(rows);
  return runs.flatMap((r, i) =>
    PANELS.flatMap((p) =>
      (r.history[p.key] ?? []).filter((h) => Number.isFinite(h.value)).map((h) => ({ run: labels[i], metric: p.title, epoch: h.step + 1, value: h.value })),
    ),
  );
}

/** The spec, or null when no run logged validation metrics (nothing to draw). */
export function compareCurvesSpec(runs: readonly CompareRunData[], rows: ReadonlyArray<Pick<CompareRow, 'name' | 'runId'>>): TopLevelSpec | null {
  const values = compareCurvePoints(runs, rows);
  if (values.length === 0) return null;
  const order = runLabels(rows);
  const panel = (p: (typeof PANELS)[number]) => ({
    title: p.title,
    width: 360,
    height: 240,
    transform: [{ filter: { field: 'metric', equal: p.title } }],
    mark: { type: 'line' as const, point: { size: 20 } },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative' as const, title: p.title, axis: { format: p.format }, scale: { zero: false } },
      color: { field: 'run', type: 'nominal' as const, sort: order, scale: { scheme: order.length > 10 ? 'category20' : 'tableau10' } },
    },
  });
  return { data: { values }, hconcat: PANELS.map(panel) };
}
