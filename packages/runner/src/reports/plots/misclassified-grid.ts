// A grid of misclassified test sequences: each image with "true 123 / pred 128" under it, so a glance shows
// what kind of mistakes the model makes (merged digits, a dropped last digit, 4 vs 9 …).
import type { TopLevelSpec } from 'vega-lite';
import type { DataBundle } from '@xp/data';
import { renderVegaLite, type RenderedChart } from './render.js';
import { sequenceImageUris, type Normalization } from './sequence-images.js';
import { misclassifiedIndices, sequenceCount, sequenceText, type SequencePredictions } from './sequence-predictions.js';

/** One cell of the grid. */
export interface GridCell {
  /** Image URL, normally a PNG data URI. */
  url: string;
  truth: string;
  pred: string;
}

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
  const imgW = layout.imageWidth * zoom;
  const imgH = layout.imageHeight * zoom;
  const cellW = Math.max(imgW, 150) + GAP;
  const cellH = imgH + LABEL_HEIGHT + GAP;
  const columns = Math.max(1, Math.min(layout.columns ?? 4, cells.length));
  const values = cells.map((c, i) => ({
    ...c,
    x: (i % columns) * cellW + (cellW - imgW) / 2,
    y: Math.floor(i / columns) * cellH,
    cx: (i % columns) * cellW + cellW / 2,
    label: `true ${c.truth} / pred ${c.pred}`,
  }));
  const px = (field: string) => ({ field, type: 'quantitative' as const, scale: null, axis: null });
  return {
    title,
    data: { values },
    width: columns * cellW,
    height: Math.max(1, Math.ceil(cells.length / columns)) * cellH,
    config: { view: { stroke: null } },
    layer: [
      {
        // aria off: the aria-label would repeat every data URI in the SVG
        mark: { type: 'image', width: imgW, height: imgH, align: 'left', baseline: 'top', aspect: false, aria: false },
        encoding: { x: px('x'), y: px('y'), url: { field: 'url', type: 'nominal' } },
      },
      {
        mark: { type: 'text', baseline: 'top', align: 'center', dy: imgH + 4, fontSize: 12, aria: false },
        encoding: { x: px('cx'), y: px('y'), text: { field: 'label', type: 'nominal' } },
      },
    ],
  };
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
