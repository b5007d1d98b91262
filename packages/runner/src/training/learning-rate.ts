import type * as tf from '@tensorflow/tfjs';

// tfjs optimizers keep the rate in a field read at every step (Adam, RMSProp) or cache it as a scalar
// behind setLearningRate (SGD, Momentum); this covers both without reaching into each class.
type WithRate = tf.Optimizer & { learningRate: number; setLearningRate?: (lr: number) => void };

/** The optimizer's current learning rate. */
export function getLearningRate(opt: tf.Optimizer): number {
  return (opt as WithRate).learningRate;
}

/** Sets the optimizer's learning rate for the next steps. */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as WithRate;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
