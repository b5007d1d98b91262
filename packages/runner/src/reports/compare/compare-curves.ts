// The learning curves of every compared run overlaid: each run's headline metric and its validation loss per
// epoch, one colour per run, so the runs' speed and ceiling can be compared at a glance. Runs judged by
// different metrics (different tasks) get one headline panel per metric, never one axis for both.
import type { TopLevelSpec } from 'vega-lite';
import { runLabels, type CompareRow } from './compare-table.js';
import type { CompareRunData } from './load-runs.js';
import { headlineOf, isFraction } from './run-headline.js';

interface Panel {
  /** The history key drawn. */
  key: string;
  /** Title and the `metric` of its points. */
  title: string;
  /** d3 format of the y axis. */
  format: string;
}

const VAL_LOSS = 'val_loss';

// The headline panels in first-seen order, then val_loss (unless it is itself a headline).
function panelsOf(runs: readonly CompareRunData[]): Panel[] {
  const keys = [...new Set([...runs.map((r) => headlineOf(r.tags).metric), VAL_LOSS])];
  return keys.map((key) => ({ key, title: key, format: isFraction(key) ? '.2~%' : '~g' }));
}

/** Long-form points `{run, metric, epoch, value}`; epochs are 1-based (MLflow step + 1). */
export function compareCurvePoints(runs: readonly CompareRunData[], rows: ReadonlyArray<Pick<CompareRow, 'name' | 'runId'>>) {
  const labels = runLabels(rows);
  return runs.flatMap((r, i) =>
    [...new Set([headlineOf(r.tags).metric, VAL_LOSS])].flatMap((key) =>
      (r.history[key] ?? []).filter((h) => Number.isFinite(h.value)).map((h) => ({ run: labels[i], metric: key, epoch: h.step + 1, value: h.value })),
    ),
  );
}

/** The spec, or null when no run logged its headline or val_loss (nothing to draw). */
export function compareCurvesSpec(runs: readonly CompareRunData[], rows: ReadonlyArray<Pick<CompareRow, 'name' | 'runId'>>): TopLevelSpec | null {
  const values = compareCurvePoints(runs, rows);
  if (values.length === 0) return null;
  const order = runLabels(rows);
  const drawn = new Set(values.map((v) => v.metric));
  const panel = (p: Panel) => ({
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
  return { data: { values }, hconcat: panelsOf(runs).filter((p) => drawn.has(p.key)).map(panel) };
}
