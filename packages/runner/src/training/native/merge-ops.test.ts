import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { nativeOps, type NativeOps } from './exec.js';
import { nativeAdd, nativeConcat } from './merge-ops.js';
import { rand, valueAndGrads, expectNear } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;

describe('native merge ops', () => {
  for (const [n, relu] of [[2, false], [2, true], [3, true]] as const) {
    it(`add of ${n} inputs${relu ? ' → ReLU' : ''} matches tfjs's add in value and gradients`, () => {
      const inputs = Array.from({ length: n }, (_, i) => rand([2, 3, 4, 5], 30 + i));
      const got = valueAndGrads((...xs) => nativeAdd(nt, relu)(xs), inputs);
      const want = valueAndGrads((...xs) => {
        const sum = xs.reduce((a, b) => tf.add(a, b));
        return relu ? tf.relu(sum) : sum;
      }, inputs);
      expectNear(got.value, want.value, 6);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i], 6));
    });
  }

  it('add gives the gradient of a tensor added to itself twice (each input its own gradient tensor)', () => {
    const x = rand([4, 5], 40);
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(nativeAdd(nt, false)([t, t]), t)))([x]);
    expectNear(g.dataSync(), tf.mul(x, 4).dataSync(), 6); // d/dx (2x·x) = 4x
  });

  for (const axis of [-1, 1]) {
    it(`concat along axis ${axis} matches tfjs's concat in value and gradients`, () => {
      const inputs = [rand([2, 3, 4, 5], 41), rand([2, axis === 1 ? 2 : 3, 4, axis === 1 ? 5 : 2], 42)];
      const got = valueAndGrads((...xs) => nativeConcat(nt, axis)(xs), inputs);
      const want = valueAndGrads((...xs) => tf.concat(xs, axis), inputs);
      expectNear(got.value, want.value, 6);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i], 6));
    });
  }

  it('leaves no tensors behind after a gradient', () => {
    const [a, b] = [rand([2, 3], 43), rand([2, 3], 44)];
    const before = tf.memory().numTensors;
    const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(nativeConcat(nt, 0)([nativeAdd(nt, true)([x, y]), y])))([a, b]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose(grads);
  });
});
