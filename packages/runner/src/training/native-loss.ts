// Softmax cross-entropy as TensorFlow's fused SoftmaxCrossEntropyWithLogits: one kernel returns the loss and
// its gradient (softmax − labels), where tfjs composes log-sum-exp, subtractions and a custom gradient from
// about a dozen ops. Same formula; on other backends it is tfjs's own op.
import * as tf from '@tensorflow/tfjs';
import { nativeOps } from './native/exec.js';

/**
 * Softmax cross-entropy of `logits` [..., C] against `labels` [..., C] (probabilities, e.g. one-hot), per
 * row: shape [...]. `labelSmoothing` mixes the labels with the uniform distribution over the C classes.
 */
export function softmaxCrossEntropy(labels: tf.Tensor, logits: tf.Tensor, labelSmoothing = 0): tf.Tensor {
  return tf.tidy(() => {
    const numClasses = logits.shape[logits.rank - 1];
    let target = labels.toFloat();
    // Smoothed here rather than by tf.losses, which divides by labels.shape[1]: the positions, not the
    // classes, for [batch, positions, classes] labels.
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / numClasses);
    const nt = nativeOps();
    if (!nt) return tf.losses.softmaxCrossEntropy(target, logits, undefined, 0, tf.Reduction.NONE);
    const rows = tf.reshape(target, [-1, numClasses]);
    const attrs = [nt.type('T')];
    // The labels are data, not parameters: only the logits get a gradient.
    const perRow = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
      const [loss, backprop] = nt.runN('SoftmaxCrossEntropyWithLogits', [x as tf.Tensor, rows], attrs, 2);
      (save as tf.GradSaveFunc)([backprop]);
      return { value: loss, gradFunc: (dy: tf.Tensor, [bp]: tf.Tensor[]) => tf.mul(tf.expandDims(dy, 1), bp) };
    });
    return tf.reshape(perRow(tf.reshape(logits, [-1, numClasses])), logits.shape.slice(0, -1));
  });
}
