import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '@xp/core';
import { NativeAdamOptimizer } from './native-adam.js';
import { nativeOps } from './native/exec.js';

/** Builds the optimizer a config names (Adam's update runs as one TensorFlow kernel per weight on the native backend). */
export function createOptimizer(o: OptimizerConfig): tf.Optimizer {
  switch (o.type) {
    case 'adam': {
      const nt = nativeOps();
      return nt ? new NativeAdamOptimizer(nt, o.learning_rate, o.beta1, o.beta2, o.epsilon) : tf.train.adam(o.learning_rate, o.beta1, o.beta2, o.epsilon);
    }
    case 'sgd':
      return o.momentum > 0 ? tf.train.momentum(o.learning_rate, o.momentum) : tf.train.sgd(o.learning_rate);
    case 'rmsprop':
      return tf.train.rmsprop(o.learning_rate, o.decay);
  }
}
