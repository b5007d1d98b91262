// Reading a regression model's outputs without targets: values in target units (the data standardised
// them for training). The task's `decode` (reports) and `xp predict`/`xp serve` share it.
import * as tf from '@tensorflow/tfjs';
import type { TargetSpec } from '@xp/data';
import type { ModelOutputs, PredictionDecoder } from '../task.js';

type ValuesTarget = Extract<TargetSpec, { kind: 'values' }>;

/** The prediction [B,T] of the model's (first) output. */
export function predictionOf(out: ModelOutputs): tf.Tensor {
  return Array.isArray(out) ? out[0] : out;
}

/** Standardised values [B,T] (or [B]) back in target units: x · std + mean. */
export function toTargetUnits(x: tf.Tensor, target: ValuesTarget): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.mul(tf.reshape(x, [-1, target.names.length]), tf.tensor1d(target.std)), tf.tensor1d(target.mean)) as tf.Tensor2D);
}

/** The decoder of the regression task: the value in target units (values by target name when there are several). */
export function regressionDecoder(target: ValuesTarget): PredictionDecoder {
  return {
    decode: (out) => ({ predicted: toTargetUnits(predictionOf(out), target) }),
    read(predicted) {
      if (target.names.length === 1) return { prediction: predicted[0] };
      return { prediction: Object.fromEntries(target.names.map((n, i) => [n, predicted[i]])) };
    },
  };
}
