// The plots of a regression run: predicted against true values (points on the diagonal are right), and the
// residuals against the prediction (a trend or a funnel shows what the model misses). One panel per target.
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite, type RenderedChart } from './render.js';

/** Kept test predictions of a regression, row-major [n × names.length], in target units. */
export interface RegressionPoints {
  predicted: ArrayLike<number>;
  actual: ArrayLike<number>;
  names: readonly string[];
}

// Vega draws every point as an SVG element: beyond this many per panel, an evenly spaced subset is drawn.
const MAX_POINTS = 4000;
// Panels beyond this many targets are left out (the metrics still have every target).
const MAX_PANELS = 6;

interface Point {
  target: string;
  actual: number;
  predicted: number;
  residual: number;
}

/** Long-form points of the first targets, at most {@link MAX_POINTS} per target, non-finite values left out. */
export function regressionPoints(p: RegressionPoints): Point[] {
  const width = p.names.length;
  const n = Math.floor(p.actual.length / width);
  const step = Math.max(1, Math.ceil(n / MAX_POINTS));
  const out: Point[] = [];
  for (let t = 0; t < Math.min(width, MAX_PANELS); t++) {
    for (let i = 0; i < n; i += step) {
      const [y, yhat] = [p.actual[i * width + t], p.predicted[i * width + t]];
      if (Number.isFinite(y) && Number.isFinite(yhat)) out.push({ target: p.names[t], actual: y, predicted: yhat, residual: yhat - y });
    }
  }
  return out;
}

// The points of one target (a layer with its own data, the reference line, is not filtered).
const only = (name: string) => ({ filter: { field: 'target', equal: name } });

type Panel = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];

/** One panel per target, side by side (a single target needs no facet). */
function panels(values: Point[], names: readonly string[], panel: (name: string) => Panel, title: string): TopLevelSpec {
  const shown = names.slice(0, MAX_PANELS);
  if (values.length === 0) throw new Error('no finite predictions to plot');
  return {
    data: { values },
    title,
    hconcat: shown.map(panel),
  };
}

/** Predicted against true, with the y = x line. */
export function predictedVsTrueSpec(p: RegressionPoints): TopLevelSpec {
  const values = regressionPoints(p);
  return panels(
    values,
    p.names,
    (name) => {
      const mine = values.filter((v) => v.target === name);
      const lo = Math.min(...mine.map((v) => Math.min(v.actual, v.predicted)));
      const hi = Math.max(...mine.map((v) => Math.max(v.actual, v.predicted)));
      const domain = lo === hi ? [lo - 1, hi + 1] : [lo, hi];
      const scale = { domain, zero: false, nice: true };
      return {
        title: name,
        width: 300,
        height: 300,
        layer: [
          {
            transform: [only(name)],
            mark: { type: 'point', filled: true, opacity: 0.5, size: 20 },
            encoding: {
              x: { field: 'actual', type: 'quantitative', title: `true ${name}`, scale },
              y: { field: 'predicted', type: 'quantitative', title: `predicted ${name}`, scale },
            },
          },
          {
            data: { values: [{ v: domain[0] }, { v: domain[1] }] },
            mark: { type: 'line', color: '#d62728', strokeDash: [4, 4] },
            encoding: { x: { field: 'v', type: 'quantitative', scale }, y: { field: 'v', type: 'quantitative', scale } },
          },
        ],
      };
    },
    'Predicted vs true (test)',
  );
}

/** Residuals (predicted − true) against the prediction, with the zero line. */
export function residualsSpec(p: RegressionPoints): TopLevelSpec {
  const values = regressionPoints(p);
  return panels(
    values,
    p.names,
    (name) => ({
      title: name,
      width: 300,
      height: 240,
      layer: [
        {
          transform: [only(name)],
          mark: { type: 'point', filled: true, opacity: 0.5, size: 20 },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', title: `predicted ${name}`, scale: { zero: false } },
            y: { field: 'residual', type: 'quantitative', title: 'predicted − true' },
          },
        },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#d62728', strokeDash: [4, 4] }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
      ],
    }),
    'Residuals (test)',
  );
}

/** Renders predicted vs true. */
export async function renderPredictedVsTrue(p: RegressionPoints): Promise<RenderedChart> {
  return renderVegaLite(predictedVsTrueSpec(p));
}

/** Renders the residuals plot. */
export async function renderResiduals(p: RegressionPoints): Promise<RenderedChart> {
  return renderVegaLite(residualsSpec(p));
}
