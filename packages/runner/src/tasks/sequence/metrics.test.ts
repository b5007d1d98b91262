import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { sequenceLoss } from './metrics.js';

describe('sequenceLoss', () => {
  it('is the batch mean of per-sequence summed cross-entropy plus the length head mean, with the same gradients', () => {
    const digits = tf.variable(tf.randomNormal([5, 3, 11], 0, 2, 'float32', 1)) as tf.Variable<tf.Rank.R3>;
    const length = tf.variable(tf.randomNormal([5, 4], 0, 2, 'float32', 2)) as tf.Variable<tf.Rank.R2>;
    const ys = tf.tensor2d([[1, 2, 10], [0, 10, 10], [9, 9, 9], [3, 4, 5], [7, 10, 10]], undefined, 'int32');
    const lengths = tf.tensor1d([2, 1, 3, 3, 1], 'int32');
    const expected = (ls: number) => {
      // tfjs's composite on [rows, classes] labels, where its smoothing is over the classes.
      const rows = (labels: tf.Tensor, logits: tf.Tensor, c: number) =>
        tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(labels, [-1]), c), tf.reshape(logits, [-1, c]), undefined, ls, tf.Reduction.NONE);
      return tf.add(tf.mean(tf.sum(tf.reshape(rows(ys, digits, 11), [5, 3]), -1)), tf.mean(rows(lengths, length, 4))) as tf.Scalar;
    };
    for (const ls of [0, 0.1]) {
      const got = tf.variableGrads(() => sequenceLoss({ digits, length }, ys, lengths, ls), [digits, length]);
      const want = tf.variableGrads(() => expected(ls), [digits, length]);
      expect(got.value.arraySync()).toBeCloseTo(want.value.arraySync(), 5);
      for (const v of [digits, length]) {
        const [a, b] = [got.grads[v.name].dataSync(), want.grads[v.name].dataSync()];
        a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 5));
      }
    }
  });
});
