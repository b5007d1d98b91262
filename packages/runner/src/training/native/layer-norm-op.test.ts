import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { nativeOps, type NativeOps } from './exec.js';
import { nativeLayerNorm } from './layer-norm-op.js';
import { rand, valueAndGrads, expectNear } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;

/** tfjs's layer norm over the last axis: moments, normalise, × gamma + beta. */
function tfjsLayerNorm(x: tf.Tensor, gamma?: tf.Tensor, beta?: tf.Tensor) {
  const { mean, variance } = tf.moments(x, -1, true);
  let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3)));
  if (gamma) y = tf.mul(y, gamma);
  return beta ? tf.add(y, beta) : y;
}

describe('native layer norm (FusedBatchNormV3 over rows)', () => {
  for (const shape of [[5, 12], [2, 3, 4, 6]]) {
    it(`on a rank-${shape.length} input matches tfjs's moments-based layer norm in value and gradients`, () => {
      const c = shape[shape.length - 1];
      const inputs = [tf.add(tf.mul(rand(shape, 90), 3), 1), tf.add(rand([c], 91), 1), rand([c], 92)];
      const got = valueAndGrads((x, g, b) => nativeLayerNorm(nt, 1e-3)(x, g as tf.Tensor1D, b as tf.Tensor1D, { input: true }), inputs);
      const want = valueAndGrads(tfjsLayerNorm, inputs);
      expectNear(got.value, want.value);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i]));
    });
  }

  it('without gamma and beta, and without the input gradient', () => {
    const x = rand([4, 8], 93);
    const got = valueAndGrads((t) => nativeLayerNorm(nt, 1e-3)(t, null, null, { input: true }), [x]);
    const want = valueAndGrads((t) => tfjsLayerNorm(t), [x]);
    expectNear(got.value, want.value);
    expectNear(got.grads[0], want.grads[0]);
    const gamma = rand([8], 97);
    const dGamma = (f: (g: tf.Tensor) => tf.Tensor) => tf.tidy(() => tf.grads((gg: tf.Tensor) => tf.sum(tf.mul(f(gg), tf.range(0, 32).reshape([4, 8]))))([gamma])[0].dataSync());
    expectNear(dGamma((gg) => nativeLayerNorm(nt, 1e-3)(x, gg as tf.Tensor1D, null, { input: false })), dGamma((gg) => tfjsLayerNorm(x, gg)));
  });

  it('leaves no tensors behind after a gradient', () => {
    const [x, g, b] = [rand([3, 5], 94), rand([5], 95), rand([5], 96)];
    const before = tf.memory().numTensors;
    const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(nativeLayerNorm(nt, 1e-3)(xx, gg as tf.Tensor1D, bb as tf.Tensor1D, { input: true })))([x, g, b]);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose(grads);
  });
});
