// Train vs validation curves of one run: the loss and the task's headline metric per epoch, side by side.
import type { TopLevelSpec } from 'vega-lite';
import type { Logs } from '../../callbacks/callback.js';
import { renderVegaLite, type RenderedChart } from './render.js';

/** One point of a curve in long form, as Vega-Lite wants it. */
export interface CurvePoint {
  epoch: number;
  panel: string;
  split: 'train' | 'val';
  value: number;
}

/** The two panels: the loss, and `metric` (a train-side key such as `exact_match`, `accuracy`, `rmse`). */
const panels = (metric: string) => [
  { title: 'loss', train: 'loss', val: 'val_loss' },
  { title: metric.replace(/_/g, ' '), train: metric, val: `val_${metric}` },
];

// Metrics that are fractions read best as percentages; errors and losses as plain numbers.
const FRACTIONS = /(accuracy|exact_match|acc|f1|precision|recall|r2)$/;

/**
 * The points of both panels. Epochs are 1-based (epoch 1 = the first logged). Non-finite values (a NaN
 * loss) are left out rather than drawn as zero; a run without validation has train curves only.
 */
export function learningCurvePoints(history: readonly Logs[], metric = 'exact_match'): CurvePoint[] {
  const out: CurvePoint[] = [];
  history.forEach((logs, i) => {
    for (const p of panels(metric)) {
      for (const split of ['train', 'val'] as const) {
        const v = logs[p[split]];
        if (Number.isFinite(v)) out.push({ epoch: i + 1, panel: p.title, split, value: v });
      }
    }
  });
  return out;
}

/** The Vega-Lite spec: one panel per metric, train and val as two colours. */
export function learningCurvesSpec(history: readonly Logs[], metric = 'exact_match'): TopLevelSpec {
  const values = learningCurvePoints(history, metric);
  if (values.length === 0) throw new Error(`no finite loss or ${metric} values in the history: nothing to plot`);
  const panel = (title: string, format: string) => ({
    title,
    width: 320,
    height: 220,
    transform: [{ filter: { field: 'panel', equal: title } }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative' as const, title, axis: { format }, scale: { zero: false } },
      color: { field: 'split', type: 'nominal' as const, scale: { domain: ['train', 'val'] } },
    },
  });
  return {
    data: { values },
    title: 'Learning curves',
    hconcat: [panel('loss', '~g'), panel(metric.replace(/_/g, ' '), FRACTIONS.test(metric) ? '.2~%' : '~g')],
  };
}

/** Renders the learning curves of a run's history, with `metric` (the task's headline, without `val_`) beside the loss. */
export async function renderLearningCurves(history: readonly Logs[], metric = 'exact_match'): Promise<RenderedChart> {
  return renderVegaLite(learningCurvesSpec(history, metric));
}
