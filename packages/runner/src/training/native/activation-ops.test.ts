import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NATIVE_ACTIVATIONS, nativeActivation } from './activation-ops.js';
import { nativeOps, type NativeOps } from './exec.js';
import { rand, valueAndGrads, expectNear } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;

/** tfjs-layers' activation of that name (the LeakyReLU layer for leaky_relu). */
const tfjsActivation = (name: string) => (x: tf.Tensor) =>
  (name === 'leaky_relu' ? tf.layers.leakyReLU({ alpha: 0.2 }) : tf.layers.activation({ activation: name as 'tanh' })).apply(x) as tf.Tensor;

describe('native activations', () => {
  for (const name of NATIVE_ACTIVATIONS) {
    it(`${name} matches tfjs-layers' ${name} in value and gradient`, () => {
      // Spread over [−8, 8) so relu6's cap, elu's and softplus's tails are all exercised.
      const x = tf.mul(rand([4, 5, 50], 80), 8);
      const got = valueAndGrads((t) => nativeActivation(nt, name, 0.2)(t), [x]);
      const want = valueAndGrads(tfjsActivation(name), [x]);
      expectNear(got.value, want.value, 5);
      expectNear(got.grads[0], want.grads[0], 5);
    });
  }

  it('leaves no tensors behind after a gradient', () => {
    const x = rand([3, 4], 81);
    const before = tf.memory().numTensors;
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(nativeActivation(nt, 'gelu')(nativeActivation(nt, 'swish')(nativeActivation(nt, 'tanh')(t)))))([x]);
    expect(tf.memory().numTensors).toBe(before + 1);
    g.dispose();
  });
});
