// Output heads shared by the architectures. Both emit logits, not probabilities: the trainer uses softmax
// cross-entropy from logits, which stays finite where log(softmax(x)) would underflow.
import * as tf from '@tensorflow/tfjs';

type Regularizer = ReturnType<typeof tf.regularizers.l2>;
type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** How the heads are built. */
export interface HeadOptions {
  maxLen: number;
  numClasses: number;
  /** Next kernel initialiser (see kernelInitializers). */
  init: () => Initializer;
  kernelRegularizer?: Regularizer;
}

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

/**
 * One Dense(maxLen × numClasses) reshaped to `digits` [maxLen, numClasses].
 *
 * On a shared feature vector this is exactly maxLen independent Dense(numClasses) heads (each position owns its
 * own block of weight columns), in one matmul and one layer; the baseline uses it for that simplicity.
 */
export function stackedDigitHead(features: tf.SymbolicTensor, o: HeadOptions): tf.SymbolicTensor {
  const logits = apply(
    tf.layers.dense({ units: o.maxLen * o.numClasses, kernelInitializer: o.init(), kernelRegularizer: o.kernelRegularizer, name: 'digit_logits' }),
    features,
  );
  return apply(tf.layers.reshape({ targetShape: [o.maxLen, o.numClasses], name: 'digits' }), logits);
}

/**
 * Separate heads `head_0…` (each optionally Dense(hiddenUnits, relu) → Dropout → Dense(numClasses)), stacked
 * into `digits` [maxLen, numClasses].
 *
 * Separate layers are needed once a head has a hidden layer, and they keep per-position weights readable by name.
 */
export function perPositionDigitHeads(
  features: tf.SymbolicTensor,
  o: HeadOptions & { hiddenUnits: number; dropout: number },
): tf.SymbolicTensor {
  const heads: tf.SymbolicTensor[] = [];
  for (let i = 0; i < o.maxLen; i++) {
    let x = features;
    if (o.hiddenUnits > 0) {
      x = apply(
        tf.layers.dense({ units: o.hiddenUnits, activation: 'relu', kernelInitializer: o.init(), kernelRegularizer: o.kernelRegularizer, name: `head_${i}_hidden` }),
        x,
      );
      if (o.dropout > 0) x = apply(tf.layers.dropout({ rate: o.dropout, name: `head_${i}_dropout` }), x);
    }
    x = apply(tf.layers.dense({ units: o.numClasses, kernelInitializer: o.init(), kernelRegularizer: o.kernelRegularizer, name: `head_${i}` }), x);
    // Concatenate needs at least two inputs, so a single head is reshaped straight into `digits`.
    const name = o.maxLen === 1 ? 'digits' : `head_${i}_row`;
    heads.push(apply(tf.layers.reshape({ targetShape: [1, o.numClasses], name }), x));
  }
  return heads.length === 1 ? heads[0] : apply(tf.layers.concatenate({ axis: 1, name: 'digits' }), heads);
}

/** Optional `length` head: (maxLen + 1)-way logits over the sequence length 0…maxLen. */
export function lengthHead(features: tf.SymbolicTensor, o: HeadOptions): tf.SymbolicTensor {
  return apply(
    tf.layers.dense({ units: o.maxLen + 1, kernelInitializer: o.init(), kernelRegularizer: o.kernelRegularizer, name: 'length' }),
    features,
  );
}
