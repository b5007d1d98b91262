import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { summedCrossEntropy } from './native-loss.js';
import { expectClose } from './expect-close.testing.js';

afterEach(async () => {
  await tf.setBackend('tensorflow');
});

const classes = [[1, 2, 10], [0, 10, 10], [9, 9, 9], [3, 4, 5]];

/** The loss and its gradient w.r.t. large random logits [4, 3, 11] (large: exercises numerical stability). */
function lossAndGrad(f: (labels: tf.Tensor, logits: tf.Tensor) => tf.Tensor) {
  return tf.tidy(() => {
    const logits = tf.mul(tf.randomNormal([4, 3, 11], 0, 1, 'float32', 1), 5);
    const labels = tf.tensor2d(classes, undefined, 'int32');
    const { value, grads } = tf.variableGrads(() => f(labels, tf.mul(logits, v)) as tf.Scalar, [v]);
    return { loss: value.arraySync(), grad: grads[v.name].arraySync() as number[] };
  });
}
const v = tf.variable(tf.ones([11]));

/** The reference: tfjs's per-row cross-entropy on explicitly smoothed one-hot rows, summed and scaled. */
function reference(labels: tf.Tensor, logits: tf.Tensor, smoothing: number, scale: number) {
  const onehot = tf.oneHot(tf.reshape(labels, [-1]).toInt(), 11);
  const target = tf.add(tf.mul(onehot, 1 - smoothing), smoothing / 11);
  return tf.mul(tf.sum(tf.losses.softmaxCrossEntropy(target, tf.reshape(logits, [-1, 11]), undefined, 0, tf.Reduction.NONE)), scale);
}


describe('summedCrossEntropy', () => {
  for (const [smoothing, scale] of [[0, 1], [0.1, 0.25]]) {
    it(`is the scaled sum of tfjs's per-row softmax cross-entropy, value and gradient (smoothing ${smoothing}, scale ${scale})`, () => {
      expect(tf.getBackend()).toBe('tensorflow');
      const native = lossAndGrad((labels, logits) => summedCrossEntropy(labels, logits, { labelSmoothing: smoothing, scale }));
      const expected = lossAndGrad((labels, logits) => reference(labels, logits, smoothing, scale));
      expectClose(native.loss, expected.loss);
      expectClose(native.grad, expected.grad);
    });
  }

  it('smooths over the classes, as tf.losses does for [rows, classes] labels', () => {
    const native = lossAndGrad((labels, logits) => summedCrossEntropy(labels, logits, { labelSmoothing: 0.1 }));
    const expected = lossAndGrad((labels, logits) => {
      const onehot = tf.oneHot(tf.reshape(labels, [-1]).toInt(), 11);
      return tf.sum(tf.losses.softmaxCrossEntropy(onehot, tf.reshape(logits, [-1, 11]), undefined, 0.1, tf.Reduction.NONE));
    });
    expectClose(native.loss, expected.loss);
    expectClose(native.grad, expected.grad);
  });

  it('leaves only its result behind', () => {
    const [labels, logits] = [tf.tensor1d([1, 2], 'int32'), tf.randomNormal([2, 3])];
    const before = tf.memory().numTensors;
    const loss = summedCrossEntropy(labels, logits);
    expect(tf.memory().numTensors).toBe(before + 1);
    loss.dispose();
  });

  it('is tfjs own ops on other backends', async () => {
    const native = lossAndGrad((labels, logits) => summedCrossEntropy(labels, logits, { labelSmoothing: 0.1, scale: 0.5 }));
    await tf.setBackend('cpu');
    const fallback = lossAndGrad((labels, logits) => summedCrossEntropy(labels, logits, { labelSmoothing: 0.1, scale: 0.5 }));
    expectClose(native.loss, fallback.loss);
    expectClose(native.grad, fallback.grad);
  });
});
