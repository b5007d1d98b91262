import { describe, expect, it } from 'vitest';
import type { Logs } from '../../callbacks/callback.js';
import { confusionMatrixSpec, renderConfusionMatrix } from './confusion-matrix.js';
import { learningCurvePoints, renderLearningCurves } from './learning-curves.js';
import { logAxis, lrPoints, renderLrSchedule } from './lr-schedule.js';
import { misclassifiedGridSpec } from './misclassified-grid.js';
import { pngSize } from './png-info.js';
import { renderVegaLite } from './render.js';

const history: Logs[] = [
  { loss: 2.1, val_loss: 1.9, exact_match: 0.1, val_exact_match: 0.12, lr: 1e-3 },
  { loss: 1.2, val_loss: 1.3, exact_match: 0.5, val_exact_match: 0.45, lr: 1e-3 },
  { loss: NaN, val_loss: 1.1, exact_match: 0.7, val_exact_match: 0.6, lr: 1e-4 },
];

/** The SVG's width/height attributes. */
function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg);
  if (!m) throw new Error('no svg size');
  return { width: Number(m[1]), height: Number(m[2]) };
}

describe('plots', () => {
  it('learning curves: a PNG twice the SVG size, with both panels, skipping the NaN loss', async () => {
    expect(learningCurvePoints(history)).toHaveLength(11);
    const { svg, png } = await renderLearningCurves(history);
    const s = svgSize(svg);
    expect(pngSize(png)).toEqual({ width: s.width * 2, height: s.height * 2 });
    expect(s.width).toBeGreaterThan(640); // two 320-px panels side by side
    expect(svg).toContain('exact match');
  });

  it('lr schedule: log scale of positive rates only', async () => {
    expect(lrPoints([...history, { lr: 0 }]).map((p) => p.lr)).toEqual([1e-3, 1e-3, 1e-4]);
    const { png } = await renderLrSchedule(history);
    expect(pngSize(png).width).toBeGreaterThan(700);
    await expect(renderLrSchedule([{ lr: 0 }])).rejects.toThrow(/no positive `lr`/);
  });

  it('confusion matrix: 121 cells labelled 0–9 and blank, counts written in non-empty cells', async () => {
    const m = Array.from({ length: 11 }, (_, t) => Array.from({ length: 11 }, (_, p) => (t === p ? 40 + t : t === 4 && p === 9 ? 3 : 0)));
    const spec = confusionMatrixSpec(m, 0) as { data: { values: Array<{ actual: string; predicted: string; count: number }> } };
    expect(spec.data.values).toHaveLength(121);
    expect(spec.data.values.find((v) => v.actual === '4' && v.predicted === '9')?.count).toBe(3);
    const { svg, png } = await renderConfusionMatrix(m, 0);
    expect(pngSize(png).width).toBeGreaterThan(0);
    expect(svg).toContain('>blank<');
    expect(svg).toContain('>50<'); // blank→blank count
  });

  it('misclassified grid: one image and one label per cell, laid out in rows', async () => {
    // A 1×1 grey PNG stands in for the sequence images.
    const url = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==';
    const cells = Array.from({ length: 5 }, (_, i) => ({ url, truth: `12${i}`, pred: `13${i}` }));
    const spec = misclassifiedGridSpec(cells, { imageHeight: 28, imageWidth: 84, columns: 4 }, 'grid');
    const { svg, png } = await renderVegaLite(spec);
    expect(svg.match(/<image /g)).toHaveLength(5);
    expect(svg).toContain('true 124 / pred 134');
    expect(svgSize(svg).height).toBeGreaterThan(2 * (56 + 22)); // two rows
    expect(pngSize(png).height).toBe(svgSize(svg).height * 2);
  });
});

describe('logAxis', () => {
  it('spans whole decades with 1-2-5 ticks', () => {
    expect(logAxis([1e-3, 1e-4])).toEqual({ domain: [1e-4, 1e-3], ticks: [1e-4, 2e-4, 5e-4, 1e-3] });
    expect(logAxis([0.003])).toEqual({ domain: [1e-3, 1e-2], ticks: [1e-3, 2e-3, 5e-3, 1e-2] });
  });
});
