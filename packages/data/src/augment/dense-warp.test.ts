import '../../test/helpers.js';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { denseWarp } from './dense-warp.js';

describe('denseWarp', () => {
  const img = tf.tensor4d(Array.from({ length: 2 * 4 * 5 }, (_, i) => i), [2, 4, 5, 1]);

  it('is the identity for a zero flow', () => {
    const out = denseWarp(img, tf.zeros([2, 4, 5, 2]) as tf.Tensor4D, -1);
    expect(out.arraySync()).toEqual(img.arraySync());
  });

  it('samples at (x + fx, y + fy) bilinearly and fills outside', () => {
    // fx = 1 everywhere: each pixel reads its right neighbour; the last column reads outside → fill.
    const flow = tf.stack([tf.ones([2, 4, 5]), tf.zeros([2, 4, 5])], 3) as tf.Tensor4D;
    const out = denseWarp(img, flow, -1).arraySync();
    expect(out[1][2].flat()).toEqual([31, 32, 33, 34, -1]);
    // fy = 0.5: the mean of a pixel and the one below it.
    const half = tf.stack([tf.zeros([2, 4, 5]), tf.fill([2, 4, 5], 0.5)], 3) as tf.Tensor4D;
    expect(denseWarp(img, half, 0).arraySync()[0][0][2][0]).toBeCloseTo((2 + 7) / 2, 5);
  });

  it('leaves no tensors behind', () => {
    const flow = tf.randomUniform([2, 4, 5, 2], -2, 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    denseWarp(img, flow, 0).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
