// A grid of misclassified test sequences: each image with "true 123 / pred 128" under it, so a glance shows
// what kind of mistakes the model makes (merged digits, a dropped last digit, 4 vs 9 …).
import type { TopLevelSpec } from 'vega-lite';
import type { DataBundle } from '@xp/data';
import { imageGridSpec, type GridCell } from './image-grid.js';
import { renderVegaLite, type RenderedChart } from './render.js';
import { sequenceImageUris, type Normalization } from './sequence-images.js';
import { misclassifiedIndices, sequenceCount, sequenceText, type SequencePredictions } from './sequence-predictions.js';

/** Layout of the grid. */
export interface GridLayout {
  /** Image size in the source, in pixels ([H, W] of the canvas). */
  imageHeight: number;
  imageWidth: number;
  /** Cells per row. Defaults to 4. */
  columns?: number;
  /** Magnification of each image. Defaults to 2. */
  zoom?: number;
}

const LABEL_HEIGHT = 22;
const GAP = 12;

/** The grid's Vega-Lite spec: image marks placed in pixels (no scales), a text label under each. */
export function misclassifiedGridSpec(cells: readonly GridCell[], layout: GridLayout, title: string): TopLevelSpec {
  const zoom = layout.zoom ?? 2;
  const imageWidth = layout.imageWidth * zoom;
  const imageHeight = layout.imageHeight * zoom;
  const geometry = {
    imageWidth,
    imageHeight,
    cellWidth: Math.max(imageWidth, 150) + GAP,
    cellHeight: imageHeight + LABEL_HEIGHT + GAP,
    columns: Math.max(1, Math.min(layout.columns ?? 4, cells.length)),
  };
  return imageGridSpec(cells, geometry, [{ text: (c) => `true ${c.truth} / pred ${c.pred}`, dy: imageHeight + 4 }], title);
}

/** What {@link renderMisclassifiedGrid} needs. */
export interface MisclassifiedGridInput {
  predictions: SequencePredictions;
  data: Pick<DataBundle, 'batches' | 'info'>;
  normalize: Normalization;
  /** At most this many sequences (the first wrong ones in test order). */
  gridSize: number;
  columns?: number;
}

/** Renders the first `gridSize` misclassified test sequences; `indices` are the test-set indices shown. */
export async function renderMisclassifiedGrid(input: MisclassifiedGridInput): Promise<RenderedChart & { indices: number[] }> {
  const p = input.predictions;
  const total = sequenceCount(p);
  const wrong = misclassifiedIndices(p).length;
  const indices = misclassifiedIndices(p, input.gridSize);
  const uris = await sequenceImageUris(input.data, indices, input.normalize);
  const cells = indices.map((s) => ({ url: uris.get(s) as string, truth: sequenceText(p.labels, p.maxLen, s), pred: sequenceText(p.preds, p.maxLen, s) }));
  const [imageHeight, imageWidth = 1] = input.data.info.input.shape;
  const title =
    wrong === 0 ? `No misclassified sequences (all ${total} right)` : `Misclassified test sequences: ${indices.length} of ${wrong} wrong (of ${total})`;
  const chart = await renderVegaLite(misclassifiedGridSpec(cells, { imageHeight, imageWidth, columns: input.columns }, title));
  return { ...chart, indices };
}
