// Layer normalisation over the last axis. tfjs has LayerNormalization, but it tiles gamma, beta and the moments
// to the full input shape (tfjs issue #2120) and the gradient of that tile is so slow on feature maps that a
// training step on a 28×84×8 map took a minute; broadcasting ops have fast gradients, so this layer uses them.
// Registered with tfjs's serialization so a saved model that has one loads back (with @xp/models imported).
import * as tf from '@tensorflow/tfjs';

interface LayerNormArgs {
  epsilon: number;
  name?: string;
  trainable?: boolean;
}

/** (x − mean) / √(variance + ε) · γ + β, with mean and variance over the last axis of each example. */
export class LayerNorm extends tf.layers.Layer {
  static className = 'XpLayerNorm';
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: LayerNormArgs) {
    super(args);
    this.epsilon = args.epsilon;
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1] as number;
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normed, (this.gamma as tf.LayerVariable).read()), (this.beta as tf.LayerVariable).read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
