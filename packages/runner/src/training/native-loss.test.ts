import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from './native-loss.js';

afterEach(async () => {
  await tf.setBackend('tensorflow');
});

/** Per-row losses and the gradient of a weighted sum of them w.r.t. the logits. */
function lossAndGrad(f: (labels: tf.Tensor, logits: tf.Tensor) => tf.Tensor) {
  return tf.tidy(() => {
    const logits = tf.mul(tf.randomNormal([4, 3, 11], 0, 1, 'float32', 1), 5); // large logits: exercises stability
    const labels = tf.oneHot(tf.tensor2d([[1, 2, 10], [0, 10, 10], [9, 9, 9], [3, 4, 5]], undefined, 'int32'), 11);
    const w = tf.randomUniform([4, 3], 0, 1, 'float32', 2);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(labels, x), w)))(logits);
    return { loss: f(labels, logits).arraySync() as number[][], grad: grad.arraySync() as number[][][] };
  });
}

function expectClose(a: unknown, b: unknown, digits = 5) {
  const fa = [a].flat(Infinity as 1) as number[];
  const fb = [b].flat(Infinity as 1) as number[];
  expect(fa.length).toBe(fb.length);
  fa.forEach((v, i) => expect(v).toBeCloseTo(fb[i], digits));
}

describe('softmaxCrossEntropy', () => {
  it('matches tf.losses.softmaxCrossEntropy per row, value and gradient', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const native = lossAndGrad((labels, logits) => softmaxCrossEntropy(labels, logits));
    const expected = lossAndGrad((labels, logits) => tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0, tf.Reduction.NONE));
    expect(native.loss.length).toBe(4);
    expectClose(native.loss, expected.loss);
    expectClose(native.grad, expected.grad);
  });

  it('smooths labels over the classes (tf.losses agrees on [rows, classes] labels)', () => {
    const native = lossAndGrad((labels, logits) => softmaxCrossEntropy(labels, logits, 0.1));
    const expected = lossAndGrad((labels, logits) => {
      const rows = tf.losses.softmaxCrossEntropy(tf.reshape(labels, [-1, 11]), tf.reshape(logits, [-1, 11]), undefined, 0.1, tf.Reduction.NONE);
      return tf.reshape(rows, [4, 3]);
    });
    expectClose(native.loss, expected.loss);
    expectClose(native.grad, expected.grad);
  });

  it('leaves only its result behind', () => {
    const [labels, logits] = [tf.oneHot(tf.tensor1d([1, 2], 'int32'), 3), tf.randomNormal([2, 3])];
    const before = tf.memory().numTensors;
    const loss = softmaxCrossEntropy(labels, logits);
    expect(tf.memory().numTensors).toBe(before + 1);
    loss.dispose();
  });

  it('is tfjs own op on other backends', async () => {
    const native = lossAndGrad((labels, logits) => softmaxCrossEntropy(labels, logits, 0.1));
    await tf.setBackend('cpu');
    const fallback = lossAndGrad((labels, logits) => softmaxCrossEntropy(labels, logits, 0.1));
    expectClose(native.loss, fallback.loss);
    expectClose(native.grad, fallback.grad);
  });
});
