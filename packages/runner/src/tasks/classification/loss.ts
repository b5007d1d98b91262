// The loss and the per-batch metric counts of classification, as tensor ops (no JS work per step).
import * as tf from '@tensorflow/tfjs';
import { summedCrossEntropy } from '../../training/native-loss.js';

/**
 * Softmax cross-entropy of `logits` [B,N] against class ids `labels` [B], smoothed, each example weighted by
 * its true class's entry of `classWeights` [N] when given; the weighted sum divided by B (Keras's
 * `class_weight` convention: weights scale examples, they do not renormalise the batch). The weights are a
 * JS array, made a tensor per call, so a bound task holds no tensor that someone would have to dispose.
 */
export function classificationLoss(labels: tf.Tensor, logits: tf.Tensor, opts: { labelSmoothing?: number; classWeights?: Float32Array } = {}): tf.Scalar {
  const scale = 1 / logits.shape[0];
  const smoothing = opts.labelSmoothing ?? 0;
  // Unweighted: TensorFlow's fused kernel (one tape entry). Weighted: tfjs's composite, since the fused
  // op has no per-row weights; its extra ops are noise next to the model's forward pass.
  if (!opts.classWeights) return summedCrossEntropy(labels, logits, { labelSmoothing: smoothing, scale });
  const weights = opts.classWeights;
  return tf.tidy(() => {
    const n = logits.shape[logits.rank - 1];
    const ids = tf.reshape(labels, [-1]).toInt();
    const target = tf.add(tf.mul(tf.oneHot(ids, n), 1 - smoothing), smoothing / n);
    const perRow = tf.losses.softmaxCrossEntropy(target, tf.reshape(logits, [-1, n]), undefined, 0, tf.Reduction.NONE);
    return tf.mul(tf.sum(tf.mul(perRow, tf.gather(tf.tensor1d(weights), ids))), scale) as tf.Scalar;
  });
}

/**
 * One batch's counts: the N×N confusion matrix (row = true, column = predicted) flattened row-major, then
 * the examples whose class is among the `topK` largest logits (0 when `topK` is 0). Float32 [N² + 1].
 */
export function classificationCounts(labels: tf.Tensor, logits: tf.Tensor, topK: number): tf.Tensor1D {
  return tf.tidy(() => {
    const n = logits.shape[logits.rank - 1];
    const ids = tf.reshape(labels, [-1]).toInt();
    const rows = tf.reshape(logits, [-1, n]);
    const pred = tf.argMax(rows, -1).toInt();
    // Confusion as (one-hot truth)ᵀ · (one-hot prediction): one matmul, no scatter.
    const confusion = tf.matMul(tf.oneHot(ids, n).toFloat(), tf.oneHot(pred, n).toFloat(), true, false);
    let topKRight: tf.Tensor = tf.zeros([1]);
    if (topK > 0) {
      const { indices } = tf.topk(rows, Math.min(topK, n));
      topKRight = tf.reshape(tf.sum(tf.any(tf.equal(indices, tf.expandDims(ids, 1)), 1).toFloat()), [1]);
    }
    return tf.concat([tf.reshape(confusion, [-1]), topKRight]) as tf.Tensor1D;
  });
}

