import '../test/helpers.js';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { gatherRows, nativeBackend, projectiveTransform } from './native-ops.js';

const shiftRight2 = [1, 0, -2, 0, 1, 0, 0, 0];
// Rotation by ~20° about (3, 2) plus a sub-pixel shift: exercises bilinear sampling and the fill.
const c = Math.cos(0.35);
const s = Math.sin(0.35);
const rotate = [c, -s, 3 - 3 * c + 2 * s + 0.3, s, c, 2 - 3 * s - 2 * c - 0.6, 0, 0];

afterEach(async () => {
  await tf.setBackend('tensorflow');
});

describe('projectiveTransform', () => {
  it('runs the native op on the tensorflow backend', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    expect(nativeBackend()).toBeDefined();
    const img = tf.tensor4d(Array.from({ length: 12 }, (_, i) => i + 1), [1, 3, 4, 1]);
    const before = tf.memory().numTensors;
    const out = projectiveTransform(img, tf.tensor2d([shiftRight2]), { fillValue: -1 });
    expect(tf.memory().numTensors).toBe(before + 2); // the output and the transforms tensor we made
    expect(out.arraySync().flat(3)).toEqual([-1, -1, 1, 2, -1, -1, 5, 6, -1, -1, 9, 10]);
  });

  it('honours outputShape', () => {
    const img = tf.ones([2, 28, 28, 1]) as tf.Tensor4D;
    const out = projectiveTransform(img, tf.tensor2d([[1, 0, 0, 0, 1, -2, 0, 0]]), { outputShape: [32, 30], interpolation: 'nearest' });
    expect(out.shape).toEqual([2, 32, 30, 1]);
    expect(out.sum().arraySync()).toBe(2 * 28 * 28);
  });

  it('matches the per-image tf.image.transform fallback on the cpu backend', async () => {
    const data = Array.from({ length: 3 * 6 * 7 }, (_, i) => (i * 37) % 11);
    const rows = [shiftRight2, rotate, [1, 0, 0.5, 0, 1, -1.5, 0, 0]];
    const native = projectiveTransform(tf.tensor4d(data, [3, 6, 7, 1]), tf.tensor2d(rows), { fillValue: 0.5 }).arraySync();
    await tf.setBackend('cpu');
    expect(nativeBackend()).toBeUndefined();
    const fallback = projectiveTransform(tf.tensor4d(data, [3, 6, 7, 1]), tf.tensor2d(rows), { fillValue: 0.5 }).arraySync();
    const a = native.flat(3);
    const b = fallback.flat(3);
    expect(a.length).toBe(b.length);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));
  });

  it('gathers rows natively, as tf.gather does, and still rejects out-of-range indices', () => {
    const params = tf.tensor3d(Array.from({ length: 24 }, (_, i) => i), [4, 3, 2]);
    const idx = tf.tensor1d([3, 0, 3], 'int32');
    expect(gatherRows(params, idx).arraySync()).toEqual(tf.gather(params, idx).arraySync());
    expect(() => gatherRows(params, tf.tensor1d([4], 'int32'))).toThrow();
  });
});
