// The learning rate of each epoch on a log scale, where step decays and warm-ups are easy to read.
import type { TopLevelSpec } from 'vega-lite';
import type { Logs } from '../../callbacks/callback.js';
import { renderVegaLite, type RenderedChart } from './render.js';

/** The `lr` of each epoch (1-based), positive values only: a log scale cannot place 0. */
export function lrPoints(history: readonly Logs[]): Array<{ epoch: number; lr: number }> {
  return history.flatMap((logs, i) => (Number.isFinite(logs.lr) && logs.lr > 0 ? [{ epoch: i + 1, lr: logs.lr }] : []));
}

/**
 * A log axis from the decade below the smallest rate to the decade above the largest, with ticks at 1, 2
 * and 5 × 10^k only: Vega's own log ticks label every 1–9 multiple and then drop the overlapping ones,
 * which can drop the very rate the run used.
 */
export function logAxis(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))));
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) for (const m of [1, 2, 5]) if (k < hi || m === 1) ticks.push(Number(`${m}e${k}`));
  return { domain: [Number(`1e${lo}`), Number(`1e${hi}`)], ticks };
}

/** The Vega-Lite spec of the learning-rate schedule. */
export function lrScheduleSpec(history: readonly Logs[]): TopLevelSpec {
  const values = lrPoints(history);
  if (values.length === 0) throw new Error('no positive `lr` values in the history: nothing to plot on a log scale');
  const { domain, ticks } = logAxis(values.map((v) => v.lr));
  return {
    data: { values },
    title: 'Learning rate',
    width: 360,
    height: 200,
    mark: { type: 'line', point: true, interpolate: 'step-after' },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'lr', type: 'quantitative', title: 'learning rate', scale: { type: 'log', domain }, axis: { values: ticks, format: '.0e' } },
    },
  };
}

/** Renders the learning-rate schedule of a run's history. */
export async function renderLrSchedule(history: readonly Logs[]): Promise<RenderedChart> {
  return renderVegaLite(lrScheduleSpec(history));
}
