// The sequence task's heads: one class per position, built in the style the model's options ask for
// (Trunk.heads). They emit logits, not probabilities: the loss is softmax cross-entropy from logits, which stays
// finite where log(softmax(x)) would underflow.
import * as tf from '@tensorflow/tfjs';
import { ModelConfigError, type Initializer, type Regularizer, type Trunk } from '@xp/models';

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

/**
 * `shared` heads: the feature map [h, w, C] is cut into maxLen vertical slots of w/maxLen columns, and one
 * Dense(hiddenUnits, relu) → Dropout → Dense(numClasses) reads every slot (Dense on [maxLen, features] applies
 * the same weights to each row). Digits sit side by side from the left, so slot i sees position i's digit,
 * and every classifier weight learns from every position's digits instead of a third of them.
 */
export function sharedSlotDigitHeads(
  featureMap: tf.SymbolicTensor,
  o: HeadOptions & { hiddenUnits: number; dropout: number },
): tf.SymbolicTensor {
  const [, h, w, c] = featureMap.shape as number[];
  if (w % o.maxLen !== 0) {
    throw new ModelConfigError(
      'XP_CONFIG_MODEL_SHAPE',
      `model.heads: shared heads need a feature map whose width divides by the ${o.maxLen} positions, but the trunk ends at ${h}×${w}×${c}; ` +
        'change the pooling (model.blocks[*].pool) or the image width, or use heads: per_position.',
      { pointer: '/model/heads' },
    );
  }
  const slotW = w / o.maxLen;
  let x = apply(tf.layers.reshape({ targetShape: [h, o.maxLen, slotW, c], name: 'slots' }), featureMap);
  x = apply(tf.layers.permute({ dims: [2, 1, 3, 4], name: 'slots_first' }), x);
  x = apply(tf.layers.reshape({ targetShape: [o.maxLen, h * slotW * c], name: 'slot_features' }), x);
  x = apply(
    tf.layers.dense({ units: o.hiddenUnits, activation: 'relu', kernelInitializer: o.init(), kernelRegularizer: o.kernelRegularizer, name: 'slot_dense' }),
    x,
  );
  if (o.dropout > 0) x = apply(tf.layers.dropout({ rate: o.dropout, name: 'slot_dropout' }), x);
  return apply(tf.layers.dense({ units: o.numClasses, kernelInitializer: o.init(), kernelRegularizer: o.kernelRegularizer, name: 'digits' }), x);
}

/**
 * The outputs of the sequence task on `trunk`: `digits` [positions, classes] logits in the trunk's head style,
 * plus `length` [positions + 1] logits when the model asks for a length head. Layers are made in the order
 * the architectures always made them, so a seed still gives the same initial weights.
 */
export function sequenceHeads(trunk: Trunk, positions: number, numClasses: number): tf.SymbolicTensor[] {
  const o = { maxLen: positions, numClasses, init: trunk.init, kernelRegularizer: trunk.kernelRegularizer };
  const style = trunk.heads;
  if (trunk.slots) {
    // The model cut its map into slots and read them itself (the `layers` model's `slots` entry): only the classifier is left.
    const perSlot = trunk.slots(positions);
    const digits = apply(tf.layers.dense({ units: numClasses, kernelInitializer: o.init(), kernelRegularizer: o.kernelRegularizer, name: 'digits' }), perSlot);
    return style.lengthHead ? [digits, lengthHead(trunk.flat(), o)] : [digits];
  }
  if (style.kind === 'shared') {
    if (!trunk.featureMap) throw new ModelConfigError('XP_CONFIG_MODEL_SHAPE', `model ${trunk.type}: shared heads need a feature map; use heads: per_position.`, { pointer: '/model/heads' });
    const digits = sharedSlotDigitHeads(trunk.featureMap, { ...o, hiddenUnits: style.hiddenUnits, dropout: style.dropout });
    return style.lengthHead ? [digits, lengthHead(trunk.flat(), o)] : [digits];
  }
  const features = trunk.features();
  const digits =
    style.kind === 'stacked' ? stackedDigitHead(features, o) : perPositionDigitHeads(features, { ...o, hiddenUnits: style.hiddenUnits, dropout: style.dropout });
  return style.lengthHead ? [digits, lengthHead(features, o)] : [digits];
}
