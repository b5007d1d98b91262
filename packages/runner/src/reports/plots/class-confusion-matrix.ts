// The confusion matrix of a classification run, with the data's class names on the axes.
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite, type RenderedChart } from './render.js';

// Above this many classes the counts are left out of the cells: they would not fit.
const MAX_CLASSES_WITH_COUNTS = 25;

/** The heatmap spec of `matrix[true][predicted]` over `classes`, counts written in non-empty cells (≤ 25 classes). */
export function classConfusionMatrixSpec(matrix: readonly (readonly number[])[], classes: readonly string[], subtitle?: string): TopLevelSpec {
  if (matrix.length !== classes.length) throw new Error(`confusion matrix has ${matrix.length} rows for ${classes.length} classes`);
  const values = matrix.flatMap((row, t) => row.map((count, p) => ({ actual: classes[t], predicted: classes[p], count })));
  const total = values.reduce((s, v) => s + v.count, 0);
  const max = Math.max(1, ...values.map((v) => v.count));
  const side = Math.min(900, Math.max(240, 28 * classes.length));
  const longNames = classes.some((c) => c.length > 3);
  const axis = { sort: [...classes], type: 'ordinal' as const };
  const layer: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      mark: 'rect',
      // sqrt, so off-diagonal mistakes stay visible next to a diagonal hundreds of times larger
      encoding: {
        color: {
          // empty cells white, so the mistakes that do occur stand out
          condition: { test: 'datum.count === 0', value: 'white' },
          field: 'count',
          type: 'quantitative',
          scale: { type: 'sqrt', scheme: 'blues', domain: [0, max] },
          legend: null,
        },
        stroke: { value: '#ddd' },
      },
    },
  ];
  if (classes.length <= MAX_CLASSES_WITH_COUNTS) {
    layer.push({
      transform: [{ filter: 'datum.count > 0' }],
      mark: { type: 'text', fontSize: 10 },
      encoding: {
        text: { field: 'count', type: 'quantitative' },
        color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
      },
    });
  }
  return {
    data: { values },
    title: { text: 'Confusion matrix', subtitle: subtitle ?? `${total} test examples` },
    width: side,
    height: side,
    encoding: {
      x: { field: 'predicted', ...axis, axis: { labelAngle: longNames ? -45 : 0, orient: 'top', labelLimit: 120 } },
      y: { field: 'actual', ...axis, title: 'true', axis: { labelLimit: 120 } },
    },
    layer,
  };
}

/** Renders the confusion matrix of `classes`. */
export async function renderClassConfusionMatrix(matrix: readonly (readonly number[])[], classes: readonly string[]): Promise<RenderedChart> {
  return renderVegaLite(classConfusionMatrixSpec(matrix, classes));
}
