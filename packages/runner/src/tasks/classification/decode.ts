// Reading a classification model's outputs without targets: class id, name and probabilities. The task's
// `decode` (reports) and `xp predict`/`xp serve` share it.
import * as tf from '@tensorflow/tfjs';
import type { TargetSpec } from '@xp/data';
import type { ModelOutputs, PredictionDecoder } from '../task.js';
import { topLabels } from '../top-k.js';

/** The logits [B,N] of the model's (first) output. */
export function logitsOf(out: ModelOutputs): tf.Tensor {
  return Array.isArray(out) ? out[0] : out;
}

/** The decoder of the classification task: the likeliest class's name and probability, and the top k. */
export function classificationDecoder(target: Extract<TargetSpec, { kind: 'class' }>): PredictionDecoder {
  const classes = target.classes;
  return {
    decode: (out) =>
      tf.tidy(() => {
        const logits = logitsOf(out);
        return { predicted: tf.reshape(tf.argMax(logits, -1), [-1, 1]).toInt(), probabilities: tf.softmax(logits) };
      }),
    read(predicted, probabilities, topK) {
      const id = predicted[0];
      return {
        prediction: classes[id] ?? String(id),
        ...(probabilities ? { probability: probabilities[id] } : {}),
        ...(probabilities && topK > 1 ? { top_k: topLabels(probabilities, 0, probabilities.length, classes, topK) } : {}),
      };
    },
  };
}
