// Loss and metrics of the sequence task, computed as tensor ops so that a training step needs no
// JS-side work per batch: counts are accumulated on the backend and read once per epoch.
import * as tf from '@tensorflow/tfjs';
import { BLANK } from '@xp/data';
import { summedCrossEntropy } from '../../training/native-loss.js';

// The label encoding (10 = blank) is the data package's; re-exported for the reports that read predictions.
export { BLANK };

/** Model outputs the trainer understands: digit logits [B,L,11] and optional length logits [B,L+1]. */
export interface SequenceOutputs {
  digits: tf.Tensor3D;
  length?: tf.Tensor2D;
}

/** Splits a model's raw output(s) into named outputs (the models package puts `digits` first). */
export function asSequenceOutputs(out: tf.Tensor | tf.Tensor[]): SequenceOutputs {
  if (Array.isArray(out)) return { digits: out[0] as tf.Tensor3D, length: out[1] as tf.Tensor2D | undefined };
  return { digits: out as tf.Tensor3D };
}

/** Summed (over positions) softmax cross-entropy, averaged over the batch; plus the length head's. */
export function sequenceLoss(out: SequenceOutputs, ys: tf.Tensor2D, lengths: tf.Tensor1D, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    // The mean over the batch of per-sequence sums is the sum over every position divided by the batch size.
    const opts = { labelSmoothing, scale: 1 / ys.shape[0] };
    let loss = summedCrossEntropy(ys, out.digits, opts);
    if (out.length) loss = tf.add(loss, summedCrossEntropy(lengths, out.length, opts));
    return loss;
  });
}

/** Per-batch correct counts: [exact, length, pos_0 … pos_{L-1}] as one float32 vector (one read per epoch). */
export function correctCounts(out: SequenceOutputs, ys: tf.Tensor2D, lengths: tf.Tensor1D, blank = BLANK): tf.Tensor1D {
  return tf.tidy(() => {
    const preds = tf.argMax(out.digits, -1).toInt();
    const correct = tf.equal(preds, ys);
    const exact = tf.sum(tf.all(correct, 1).toFloat());
    const predLen = out.length ? tf.argMax(out.length, -1).toInt() : tf.sum(tf.notEqual(preds, blank).toInt(), 1);
    const lenOk = tf.sum(tf.equal(predLen, lengths).toFloat());
    const perPos = tf.sum(correct.toFloat(), 0);
    return tf.concat([tf.stack([exact, lenOk]), perPos]) as tf.Tensor1D;
  });
}

/** Turns summed counts into named metrics, with `prefix` (e.g. `val_`). */
export function countsToMetrics(counts: Float32Array | number[], lossSum: number, n: number, prefix = ''): Record<string, number> {
  const m: Record<string, number> = {};
  m[`${prefix}loss`] = lossSum / n;
  m[`${prefix}exact_match`] = counts[0] / n;
  m[`${prefix}length_acc`] = counts[1] / n;
  const maxLen = counts.length - 2;
  let sum = 0;
  for (let i = 0; i < maxLen; i++) {
    m[`${prefix}pos${i}_acc`] = counts[2 + i] / n;
    sum += counts[2 + i];
  }
  m[`${prefix}digit_acc`] = sum / (n * maxLen);
  return m;
}
