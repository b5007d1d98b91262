// A grid of images, each with text lines under it, as a Vega-Lite spec with every mark placed in pixels (no
// scales): what the misclassified-example plots of the tasks draw.
import type { TopLevelSpec } from 'vega-lite';

/** One cell of a misclassified-example grid. */
export interface GridCell {
  /** Image URL, normally a PNG data URI. */
  url: string;
  truth: string;
  pred: string;
}

/** A line of text under each image. */
export interface GridLine<C> {
  text: (cell: C) => string;
  /** Offset below the image's top, in pixels. */
  dy: number;
  color?: string;
}

/** The grid's geometry in pixels. */
export interface GridGeometry {
  imageWidth: number;
  imageHeight: number;
  cellWidth: number;
  cellHeight: number;
  columns: number;
}

/** Images laid out `columns` per row, centred in cells of the given size, with `lines` of text under each. */
export function imageGridSpec<C extends { url: string }>(cells: readonly C[], g: GridGeometry, lines: readonly GridLine<C>[], title: string): TopLevelSpec {
  const values = cells.map((c, i) => ({
    ...c,
    x: (i % g.columns) * g.cellWidth + (g.cellWidth - g.imageWidth) / 2,
    y: Math.floor(i / g.columns) * g.cellHeight,
    cx: (i % g.columns) * g.cellWidth + g.cellWidth / 2,
    ...Object.fromEntries(lines.map((l, k) => [`line${k}`, l.text(c)])),
  }));
  const px = (field: string) => ({ field, type: 'quantitative' as const, scale: null, axis: null });
  return {
    title,
    data: { values },
    width: g.columns * g.cellWidth,
    height: Math.max(1, Math.ceil(cells.length / g.columns)) * g.cellHeight,
    config: { view: { stroke: null } },
    layer: [
      {
        // aria off: the aria-label would repeat every data URI in the SVG
        mark: { type: 'image', width: g.imageWidth, height: g.imageHeight, align: 'left', baseline: 'top', aspect: false, aria: false },
        encoding: { x: px('x'), y: px('y'), url: { field: 'url', type: 'nominal' } },
      },
      ...lines.map((l, k) => ({
        mark: { type: 'text' as const, baseline: 'top' as const, align: 'center' as const, dy: l.dy, fontSize: 12, ...(l.color ? { color: l.color } : {}), aria: false },
        encoding: { x: px('cx'), y: px('y'), text: { field: `line${k}`, type: 'nominal' as const } },
      })),
    ],
  };
}
