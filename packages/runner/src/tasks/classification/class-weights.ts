// The per-class loss weights of a classification experiment.
import { ConfigError } from '@xp/core';
import type { ClassificationConfig } from './schema.js';

/**
 * scikit-learn's `balanced` weights, n / (classes × count), from training-split class counts; a class with no
 * training example weighs 1 (it never occurs in the training loss anyway).
 */
export function balancedWeights(counts: readonly number[]): Float32Array {
  const n = counts.reduce((a, b) => a + b, 0);
  return Float32Array.from(counts, (c) => (c > 0 ? n / (counts.length * c) : 1));
}

/**
 * The weights of `class_weights` over `classes`, or undefined for `none` (the unweighted, fused loss).
 * `trainCounts` (training examples per class) is needed for `balanced`. Throws a ConfigError naming the
 * option for a class name the data does not have, or for `balanced` without counts.
 */
export function resolveClassWeights(
  option: ClassificationConfig['class_weights'],
  classes: readonly string[],
  trainCounts: readonly number[] | undefined,
): Float32Array | undefined {
  if (option === 'none') return undefined;
  if (option === 'balanced') {
    if (!trainCounts || trainCounts.length !== classes.length) {
      throw new ConfigError([
        {
          path: 'task.class_weights',
          message: "`balanced` needs the training split's class counts, which this dataset type does not give; set a weight per class name instead",
        },
      ]);
    }
    return balancedWeights(trainCounts);
  }
  const unknown = Object.keys(option).filter((name) => !classes.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((name) => ({
        path: `task.class_weights.${name}`,
        message: `'${name}' is not a class of the data; its classes are: ${classes.join(', ')}`,
      })),
    );
  }
  return Float32Array.from(classes, (c) => option[c] ?? 1);
}
