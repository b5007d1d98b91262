// Softmax cross-entropy as TensorFlow's fused SoftmaxCrossEntropyWithLogits: one kernel returns the loss and
// its gradient (softmax − labels), where tfjs composes log-sum-exp, subtractions and a custom gradient from
// about a dozen ops, plus the one-hot labels, the sum and the scaling around it: one tape entry in all.
// Same formula; on other backends it is tfjs's own ops.
import * as tf from '@tensorflow/tfjs';
import { nativeOps } from './native/exec.js';

/** How {@link summedCrossEntropy} reads its labels and scales its sum. */
export interface CrossEntropyOptions {
  /** Mixes the one-hot labels with the uniform distribution over the classes. Defaults to 0. */
  labelSmoothing?: number;
  /** Multiplies the sum (e.g. 1 / batch size for a per-example mean). Defaults to 1. */
  scale?: number;
}

/**
 * `scale` × the sum over all rows of the softmax cross-entropy of `logits` [..., C] against the classes
 * `labels` [...] (int32 class ids), as a scalar; differentiable w.r.t. the logits.
 */
export function summedCrossEntropy(labels: tf.Tensor, logits: tf.Tensor, opts: CrossEntropyOptions = {}): tf.Scalar {
  const smoothing = opts.labelSmoothing ?? 0;
  const scale = opts.scale ?? 1;
  const numClasses = logits.shape[logits.rank - 1];
  // Smoothed target: 1 − s + s/C for the true class, s/C elsewhere.
  const [on, off] = [1 - smoothing + smoothing / numClasses, smoothing / numClasses];
  const nt = nativeOps();
  return tf.tidy(() => {
    const ids = tf.reshape(labels, [-1]).toInt();
    const rows = tf.reshape(logits, [-1, numClasses]);
    if (!nt) {
      const target = tf.add(tf.mul(tf.oneHot(ids, numClasses), on - off), off);
      return tf.mul(tf.sum(tf.losses.softmaxCrossEntropy(target, rows, undefined, 0, tf.Reduction.NONE)), scale) as tf.Scalar;
    }
    const T = nt.type('T');
    const oneHot = [T, nt.type('TI', 'int32'), nt.int('axis', -1)];
    const sum = [T, nt.type('Tidx', 'int32'), nt.bool('keep_dims', false)];
    const scaleT = tf.scalar(scale);
    const target = nt.run('OneHot', [ids, tf.scalar(numClasses, 'int32'), tf.scalar(on), tf.scalar(off)], oneHot);
    // The labels are data, not parameters: only the logits get a gradient.
    const total = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
      const [perRow, backprop] = nt.runN('SoftmaxCrossEntropyWithLogits', [x as tf.Tensor, target], [T], 2);
      // Tensors the gradient uses must be saved: the ones of this scope are gone when it runs.
      (save as tf.GradSaveFunc)([backprop, scaleT]);
      const value = nt.run('Mul', [nt.run('Sum', [perRow, tf.scalar(0, 'int32')], sum), scaleT], [T]);
      return { value, gradFunc: (dy: tf.Tensor, [bp, k]: tf.Tensor[]) => nt.run('Mul', [bp, nt.run('Mul', [dy, k], [T])], [T]) };
    });
    return total(rows) as tf.Scalar;
  });
}
