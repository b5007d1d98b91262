// The loss and the per-batch metric sums of regression, as tensor ops (no JS work per step).
import * as tf from '@tensorflow/tfjs';

/** Which loss, and Huber's δ (in standardised units). */
export interface RegressionLossOptions {
  loss: 'mse' | 'mae' | 'huber';
  huberDelta: number;
}

/**
 * The mean over the batch (and the targets) of the elementwise loss between the prediction and the
 * standardised target, both [B,T]. Huber: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond.
 */
export function regressionLoss(prediction: tf.Tensor, ys: tf.Tensor, o: RegressionLossOptions): tf.Scalar {
  return tf.tidy(() => {
    const e = tf.sub(prediction, ys);
    if (o.loss === 'mse') return tf.mean(tf.square(e)) as tf.Scalar;
    const abs = tf.abs(e);
    if (o.loss === 'mae') return tf.mean(abs) as tf.Scalar;
    // The quadratic part is the clipped error, so the gradient is e inside δ and ±δ outside, with no branch.
    const quad = tf.minimum(abs, o.huberDelta);
    return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), tf.mul(o.huberDelta, tf.sub(abs, quad)))) as tf.Scalar;
  });
}

/**
 * One batch's sums per target, in standardised units: Σ|e|, Σe², Σy, Σy², laid out as four blocks of T.
 * Float32 [4T]. See scoresFromSums for why standardised and how they become target units.
 */
export function regressionCounts(prediction: tf.Tensor, ys: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const t = ys.shape[ys.rank - 1];
    const y = tf.reshape(ys, [-1, t]);
    const e = tf.sub(tf.reshape(prediction, [-1, t]), y);
    return tf.concat([tf.sum(tf.abs(e), 0), tf.sum(tf.square(e), 0), tf.sum(y, 0), tf.sum(tf.square(y), 0)]) as tf.Tensor1D;
  });
}
