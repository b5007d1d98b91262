// tfjs has SpatialDropout1D but no 2-D one, so this layer drops whole channels of a [h, w, c] map itself.
// Registered with tfjs's serialization so a saved model that has one loads back.
import * as tf from '@tensorflow/tfjs';

interface SpatialDropout2DArgs {
  rate: number;
  name?: string;
  trainable?: boolean;
}

/** Drops whole channels (one keep/drop draw per example and channel) while training; the identity otherwise. */
export class SpatialDropout2D extends tf.layers.Layer {
  static className = 'SpatialDropout2D';
  readonly rate: number;

  constructor(args: SpatialDropout2DArgs) {
    super(args);
    this.rate = args.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    return tf.tidy(() => tf.dropout(x, this.rate, [x.shape[0], 1, 1, x.shape[3] as number]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(SpatialDropout2D);
