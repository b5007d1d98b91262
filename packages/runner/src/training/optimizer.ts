import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '@xp/core';
import { AdamWOptimizer } from './adamw.js';
import { withGradientClipping } from './gradient-clipping.js';
import { NativeAdamOptimizer } from './native-adam.js';
import { nativeOps } from './native/exec.js';

/**
 * Builds the optimizer a config names, with its gradient clipping. Adam's and AdamW's updates run as TensorFlow
 * kernels per weight on the native backend; SGD (with momentum or Nesterov) and RMSProp are tfjs's, whose ops
 * run on the same backend.
 */
export function createOptimizer(o: OptimizerConfig): tf.Optimizer {
  return withGradientClipping(baseOptimizer(o), o);
}

function baseOptimizer(o: OptimizerConfig): tf.Optimizer {
  switch (o.type) {
    case 'adam':
    case 'adamw': {
      const decay = o.type === 'adamw' ? o.weight_decay : 0;
      const nt = nativeOps();
      if (nt) return new NativeAdamOptimizer(nt, o.learning_rate, o.beta1, o.beta2, o.epsilon, decay);
      return decay > 0 ? new AdamWOptimizer(o.learning_rate, o.beta1, o.beta2, o.epsilon, decay) : tf.train.adam(o.learning_rate, o.beta1, o.beta2, o.epsilon);
    }
    case 'sgd':
      // tfjs's Momentum is Keras's SGD with momentum: v ← m·v + g, w ← w − lr·v (Nesterov: w ← w − lr·(g + m·v)).
      return o.momentum > 0 ? tf.train.momentum(o.learning_rate, o.momentum, o.nesterov) : tf.train.sgd(o.learning_rate);
    case 'rmsprop':
      return tf.train.rmsprop(o.learning_rate, o.decay);
  }
}
