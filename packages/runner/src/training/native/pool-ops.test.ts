import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { nativeOps, type NativeOps } from './exec.js';
import { nativeAvgPool, nativeGlobalPool } from './pool-ops.js';
import { rand, valueAndGrads, expectNear } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;

describe('native pooling ops', () => {
  for (const spec of [
    { pool: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const },
    { pool: [3, 3] as [number, number], strides: [2, 2] as [number, number], padding: 'same' as const },
  ]) {
    it(`average pooling (${JSON.stringify(spec)}) matches tfjs's avgPool in value and gradient`, () => {
      const x = rand([2, 7, 9, 3], 50);
      const got = valueAndGrads((t) => nativeAvgPool(nt, spec)(t as tf.Tensor4D), [x]);
      const want = valueAndGrads((t) => tf.avgPool(t as tf.Tensor4D, spec.pool, spec.strides, spec.padding), [x]);
      expectNear(got.value, want.value, 6);
      expectNear(got.grads[0], want.grads[0], 6);
    });
  }

  it("global average pooling matches tfjs's mean over H and W in value and gradient", () => {
    const x = rand([3, 5, 6, 4], 51);
    const got = valueAndGrads((t) => nativeGlobalPool(nt, 'avg')(t as tf.Tensor4D), [x]);
    const want = valueAndGrads((t) => tf.mean(t, [1, 2]), [x]);
    expectNear(got.value, want.value, 6);
    expectNear(got.grads[0], want.grads[0], 6);
  });

  it("global max pooling matches tfjs's max over H and W in value and gradient", () => {
    const x = rand([3, 5, 6, 4], 52);
    const got = valueAndGrads((t) => nativeGlobalPool(nt, 'max')(t as tf.Tensor4D), [x]);
    const want = valueAndGrads((t) => tf.max(t, [1, 2]), [x]);
    expectNear(got.value, want.value, 6);
    expectNear(got.grads[0], want.grads[0], 6);
  });

  it('global max pooling shares the gradient among tied maxima, as TensorFlow does', () => {
    const x = tf.tensor4d([1, 3, 3, 0], [1, 2, 2, 1]);
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(nativeGlobalPool(nt, 'max')(t as tf.Tensor4D)))([x]);
    expect(Array.from(g.dataSync())).toEqual([0, 0.5, 0.5, 0]);
  });

  it('leaves no tensors behind after a gradient', () => {
    const x = rand([2, 4, 4, 3], 53);
    const before = tf.memory().numTensors;
    const [g] = tf.grads((t: tf.Tensor) =>
      tf.add(tf.sum(nativeGlobalPool(nt, 'max')(nativeAvgPool(nt, { pool: [2, 2], strides: [2, 2], padding: 'valid' })(t as tf.Tensor4D))), tf.sum(nativeGlobalPool(nt, 'avg')(t as tf.Tensor4D))),
    )([x]);
    expect(tf.memory().numTensors).toBe(before + 1);
    g.dispose();
  });
});
