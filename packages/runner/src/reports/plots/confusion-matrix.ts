// One confusion matrix per digit position: which digits the model mistakes for which, and whether it
// predicts blank where a digit is (length errors show up in the "blank" row and column).
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite, type RenderedChart } from './render.js';
import { CLASS_NAMES } from './sequence-predictions.js';

/** The heatmap spec of one position's matrix `m[true][pred]`, with the count written in each non-empty cell. */
export function confusionMatrixSpec(matrix: readonly (readonly number[])[], position: number): TopLevelSpec {
  const values = matrix.flatMap((row, t) => row.map((count, p) => ({ actual: CLASS_NAMES[t], predicted: CLASS_NAMES[p], count })));
  const total = values.reduce((s, v) => s + v.count, 0);
  const max = Math.max(1, ...values.map((v) => v.count));
  const axis = { sort: [...CLASS_NAMES], type: 'ordinal' as const };
  return {
    data: { values },
    title: { text: `Confusion matrix, position ${position}`, subtitle: `${total} test sequences` },
    width: 380,
    height: 380,
    encoding: {
      x: { field: 'predicted', ...axis, axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'actual', ...axis, title: 'true' },
    },
    layer: [
      {
        mark: 'rect',
        // sqrt, so off-diagonal mistakes stay visible next to a diagonal hundreds of times larger
        encoding: { color: { field: 'count', type: 'quantitative', scale: { type: 'sqrt', scheme: 'blues', domain: [0, max] }, legend: null } },
      },
      {
        transform: [{ filter: 'datum.count > 0' }],
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/** Renders one position's confusion matrix. */
export async function renderConfusionMatrix(matrix: readonly (readonly number[])[], position: number): Promise<RenderedChart> {
  return renderVegaLite(confusionMatrixSpec(matrix, position));
}
