import { dataConfig, npmMnist } from '../../../test/helpers.js';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasSpec, digitsTensor, renderCanvas, renderPixels, type CanvasSpec, type SequenceLayout } from './canvas-render.js';
import { DataError } from '../../errors.js';
import type { DigitSet } from '../../mnist/mnist-source.js';
import { createRng } from '../../rng.js';

let test: DigitSet;
let digits: tf.Tensor3D;
beforeAll(async () => {
  test = (await npmMnist()).test;
  digits = digitsTensor(test);
});
afterAll(() => digits.dispose());

const layout = (rows: number[][], offsets?: number[]): SequenceLayout => ({
  count: rows.length,
  maxLen: rows[0].length,
  digitIndex: Int32Array.from(rows.flat()),
  offsets: offsets ? Int16Array.from(offsets) : new Int16Array(rows.length * rows[0].length * 2),
});
/** Digit `k` of the MNIST test set as [28][28] pixels in [0,1]. */
const digit = (k: number) => Array.from({ length: 28 }, (_, y) => Array.from(test.images.subarray(k * 784 + y * 28, k * 784 + y * 28 + 28), (v) => v / 255));
const crop = (img: number[][][], y: number, x: number, h: number, w: number) => img.slice(y, y + h).map((r) => r.slice(x, x + w).map((p) => p[0]));
const expectClose = (a: number[][], b: number[][]) => a.flat().forEach((v, i) => expect(v).toBeCloseTo(b.flat()[i], 5));

describe('renderCanvas', () => {
  const spec = canvasSpec(dataConfig());

  it('draws a single digit in slot 0, normalised, and background elsewhere', () => {
    const out = renderCanvas(digits, layout([[7, -1, -1]]), spec);
    expect(out.shape).toEqual([1, 28, 84, 1]);
    const img = out.arraySync()[0];
    expectClose(crop(img, 0, 0, 28, 28), digit(7).map((r) => r.map((v) => (v - spec.mean) / spec.std)));
    const blank = (0 - spec.mean) / spec.std;
    crop(img, 0, 28, 28, 56).flat().forEach((v) => expect(v).toBeCloseTo(blank, 6));
    out.dispose();
  });

  it('puts slot i at x = i·(28 + spacing), centres vertically and pads with the background', () => {
    const s: CanvasSpec = canvasSpec(dataConfig({ spacing: 4, canvas: { height: 32, width: 100 }, background: 51 }));
    const img = renderPixels(digits, layout([[1, 2, 3]]), s).arraySync()[0];
    expect([img.length, img[0].length]).toEqual([32, 100]);
    [1, 2, 3].forEach((k, i) => expectClose(crop(img, 2, i * 32, 28, 28), digit(k)));
    const bgRows = [...crop(img, 0, 0, 2, 100), ...crop(img, 30, 0, 2, 100), ...crop(img, 2, 28, 28, 4), ...crop(img, 2, 92, 28, 8)];
    bgRows.flat().forEach((v) => expect(v).toBeCloseTo(0.2, 6));
  });

  it('shifts each digit by its jitter offsets, exactly', () => {
    const img = renderPixels(digits, layout([[5, 6, -1]], [2, -1, 0, 0, 0, 0]), spec).arraySync()[0];
    const d = digit(5);
    // Output (y, x) shows input (y + 1, x − 2): right by 2, up by 1, zeros uncovered.
    const shifted = d.map((_, y) => d[0].map((__, x) => (y + 1 < 28 && x - 2 >= 0 ? d[y + 1][x - 2] : 0)));
    expectClose(crop(img, 0, 0, 28, 28), shifted);
    expectClose(crop(img, 0, 28, 28, 28), digit(6));
  });

  it('keeps blank slots pure background under digit-scope augmentation', () => {
    const aug = {
      steps: [{ type: 'random_affine' as const, p: 1, scope: 'digit' as const, rotation: 30, translate: 0.2, scale: [0.8, 1.2] as [number, number], shear: 10 }],
      rng: createRng(1, 'aug'),
    };
    const s = canvasSpec(dataConfig({ background: 25.5 }));
    const img = renderPixels(digits, layout([[3, -1, -1], [4, 5, -1]]), s, aug).arraySync();
    crop(img[0], 0, 28, 28, 56).flat().forEach((v) => expect(v).toBeCloseTo(0.1, 6));
    crop(img[1], 0, 56, 28, 28).flat().forEach((v) => expect(v).toBeCloseTo(0.1, 6));
    expect(crop(img[0], 0, 0, 28, 28)).not.toEqual(digit(3));
  });

  it('creates no lasting tensors', () => {
    const before = tf.memory().numTensors;
    renderCanvas(digits, layout([[1, 2, 3], [4, -1, -1]], [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), spec).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('canvasSpec', () => {
  it('rejects a canvas too small for max_len digits, saying what is needed', () => {
    expect(() => canvasSpec(dataConfig({ spacing: 4 }))).toThrow(/data\.canvas\.width is 84 but 3 digits of 28 px with spacing 4 need 92/);
    expect(() => canvasSpec(dataConfig({ canvas: { height: 20, width: 84 } }))).toThrow(DataError);
  });
});
