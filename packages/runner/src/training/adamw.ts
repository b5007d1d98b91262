// AdamW for the backends without native ops (tfjs has no AdamW): tfjs's Adam after the decoupled weight
// decay of Loshchilov & Hutter, as Keras applies it (w ← w − lr·wd·w on each updated weight, then the Adam step,
// with the learning rate of this step). On the native backend NativeAdamOptimizer does the same with TensorFlow kernels.
import * as tf from '@tensorflow/tfjs';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** tfjs's Adam with decoupled weight decay. */
export class AdamWOptimizer extends tf.AdamOptimizer {
  constructor(
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    /** Decoupled weight decay per unit of learning rate. */
    readonly weightDecay: number,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(variableGradients) ? variableGradients : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    if (this.weightDecay > 0) {
      const keep = 1 - this.learningRate * this.weightDecay;
      tf.tidy(() => {
        for (const { name, tensor } of named) {
          if (tensor == null) continue;
          const value = tf.engine().registeredVariables[name];
          value.assign(tf.mul(value, keep));
        }
      });
    }
    super.applyGradients(named);
  }
}
