// Reading a sequence model's outputs without targets: the class per position, the sequence's text and its
// probability. The task's `decode` (reports) and `xp predict`/`xp serve` share it.
import * as tf from '@tensorflow/tfjs';
import type { TargetSpec } from '@xp/data';
import type { ModelOutputs, PredictionDecoder } from '../task.js';
import { topLabels } from '../top-k.js';
import { asSequenceOutputs } from './metrics.js';

type SequenceTarget = Extract<TargetSpec, { kind: 'sequence' }>;

/**
 * A sequence's text from its class per position, e.g. `128`: class names joined, trailing blanks dropped,
 * a blank between classes (a prediction can have one) shown as `_`; '' when every position is blank.
 */
export function sequenceLabel(ids: ArrayLike<number>, classes: readonly string[], blank: number): string {
  const parts = Array.from(ids, (c) => (c === blank ? '_' : (classes[c] ?? String(c))));
  while (parts.length && parts[parts.length - 1] === '_') parts.pop();
  return parts.join('');
}

/** The class per position [B,L] (int32) of a sequence model's outputs. */
export function sequenceClasses(out: ModelOutputs): tf.Tensor2D {
  return tf.tidy(() => tf.argMax(asSequenceOutputs(out).digits, -1).toInt() as tf.Tensor2D);
}

/** The decoder of the sequence task: text per example, its probability (product over positions) and per-position top-k. */
export function sequenceDecoder(target: SequenceTarget): PredictionDecoder {
  const { classes, blank, positions } = target;
  return {
    decode: (out) => tf.tidy(() => ({ predicted: sequenceClasses(out), probabilities: tf.softmax(asSequenceOutputs(out).digits) })),
    read(predicted, probabilities, topK) {
      const n = probabilities ? probabilities.length / positions : classes.length;
      let p = 1;
      for (let l = 0; l < positions; l++) p *= probabilities ? probabilities[l * n + predicted[l]] : NaN;
      return {
        prediction: sequenceLabel(predicted, classes, blank),
        ...(probabilities ? { probability: p } : {}),
        ...(probabilities && topK > 1 ? { positions: Array.from({ length: positions }, (_, l) => topLabels(probabilities, l * n, n, classes, topK)) } : {}),
      };
    },
  };
}
