// A grid of misclassified test images of a classification run, labelled with the true and the predicted
// class (and its probability when kept): the most confident mistakes first, the most telling ones.
import type * as tf from '@tensorflow/tfjs';
import type { TopLevelSpec } from 'vega-lite';
import { imageDataUris } from './image-uris.js';
import { imageGridSpec, type GridCell } from './image-grid.js';
import { renderVegaLite, type RenderedChart } from './render.js';

const LINE = 16;
const GAP = 14;
// Width of a label character at 12 px, generous: cells must not overlap for long class names.
const CHAR_PX = 7.5;

/**
 * The grid's spec: images placed in pixels (no scales), `true …` and `pred …` on two lines under each, cells
 * as wide as the longest label (class names can be long, unlike the sequence grid's digits).
 */
export function misclassifiedExamplesSpec(cells: readonly GridCell[], layout: { imageHeight: number; imageWidth: number; zoom: number; columns: number }, title: string): TopLevelSpec {
  const imageWidth = layout.imageWidth * layout.zoom;
  const imageHeight = layout.imageHeight * layout.zoom;
  const longest = Math.max(0, ...cells.map((c) => Math.max(c.truth.length + 5, c.pred.length + 5)));
  const geometry = {
    imageWidth,
    imageHeight,
    cellWidth: Math.ceil(Math.max(imageWidth, longest * CHAR_PX)) + GAP,
    cellHeight: imageHeight + 2 * LINE + GAP,
    columns: Math.max(1, Math.min(layout.columns, cells.length)),
  };
  const lines = [
    { text: (c: GridCell) => `true ${c.truth}`, dy: imageHeight + 3, color: 'black' },
    { text: (c: GridCell) => `pred ${c.pred}`, dy: imageHeight + 3 + LINE, color: '#b22222' },
  ];
  return imageGridSpec(cells, geometry, lines, title);
}

/** What {@link renderMisclassifiedExamples} needs. */
export interface MisclassifiedExamplesInput {
  /** Predicted and true class id per test example. */
  predicted: ArrayLike<number>;
  actual: ArrayLike<number>;
  /** Class probabilities [examples × classes], to order and label the mistakes; test order without them. */
  probabilities?: Float32Array;
  classes: readonly string[];
  /** Raw [0,1] images of test rows (the bundle's `images('test', rows)`). */
  images: (rows: readonly number[]) => tf.Tensor4D;
  /** At most this many cells. */
  gridSize: number;
  columns?: number;
}

/** The test rows shown: wrong ones, by descending predicted probability when given, at most `limit`. */
export function misclassifiedRows(predicted: ArrayLike<number>, actual: ArrayLike<number>, limit: number, probabilities?: Float32Array): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < actual.length; i++) if (predicted[i] !== actual[i]) wrong.push(i);
  if (probabilities) {
    const k = probabilities.length / actual.length;
    const conf = (i: number) => probabilities[i * k + predicted[i]];
    wrong.sort((a, b) => conf(b) - conf(a) || a - b);
  }
  return wrong.slice(0, Math.max(0, limit));
}

/** Renders the grid; `rows` are the test rows shown. */
export async function renderMisclassifiedExamples(input: MisclassifiedExamplesInput): Promise<RenderedChart & { rows: number[] }> {
  const { predicted, actual, classes, probabilities } = input;
  const rows = misclassifiedRows(predicted, actual, input.gridSize, probabilities);
  let wrong = 0;
  for (let i = 0; i < actual.length; i++) wrong += predicted[i] !== actual[i] ? 1 : 0;
  const k = classes.length;
  let urls: string[] = [];
  let [imageHeight, imageWidth] = [28, 28];
  if (rows.length > 0) {
    const images = input.images(rows);
    try {
      [, imageHeight, imageWidth] = images.shape;
      urls = await imageDataUris(images);
    } finally {
      images.dispose();
    }
  }
  const cells = rows.map((r, i) => {
    const p = predicted[r];
    const pct = probabilities ? ` (${Math.round(probabilities[r * k + p] * 100)} %)` : '';
    return { url: urls[i], truth: classes[actual[r]] ?? String(actual[r]), pred: `${classes[p] ?? String(p)}${pct}` };
  });
  const title =
    wrong === 0
      ? `No misclassified examples (all ${actual.length} right)`
      : `Misclassified test examples: ${rows.length} of ${wrong} wrong (of ${actual.length})${probabilities ? ', most confident first' : ''}`;
  // Small images (MNIST's 28 px) are magnified; large ones are shown at about 112 px.
  const zoom = Math.max(0.25, Math.min(4, Math.round((112 / Math.max(imageHeight, imageWidth)) * 4) / 4));
  const chart = await renderVegaLite(misclassifiedExamplesSpec(cells, { imageHeight, imageWidth, columns: input.columns ?? 6, zoom }, title));
  return { ...chart, rows };
}
