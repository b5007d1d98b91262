import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '@xp/core';

/** Builds the optimizer a config names. */
export function createOptimizer(o: OptimizerConfig): tf.Optimizer {
  switch (o.type) {
    case 'adam':
      return tf.train.adam(o.learning_rate, o.beta1, o.beta2, o.epsilon);
    case 'sgd':
      return o.momentum > 0 ? tf.train.momentum(o.learning_rate, o.momentum) : tf.train.sgd(o.learning_rate);
    case 'rmsprop':
      return tf.train.rmsprop(o.learning_rate, o.decay);
  }
}
