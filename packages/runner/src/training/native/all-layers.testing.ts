// Test helper (excluded from the build, see tsconfig.json): a trunk made of every layer the native training step
// runs beyond the plain CNN ones — batch norm (fused with ReLU and pooling, alone, and on a vector), a residual
// block ending in Add → ReLU, depthwise and separable convolutions, average pooling, global average and max
// pooling joined by a Concatenate, a layer norm, a GELU dense — built directly with tfjs layers.
import * as tf from '@tensorflow/tfjs';
import { kernelInitializers, once, type Trunk } from '@xp/models';

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

/** The trunk on an [H, W, C] input (H and W divisible by 4), seeded; its feature vector is a 16-unit GELU dense. */
export function allLayersTrunk(inputShape: number[], seed = 3): Trunk {
  const init = kernelInitializers(seed);
  const conv = (filters: number, name: string) => tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(), name });
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = apply(conv(8, 'conv0'), input);
  x = apply(tf.layers.batchNormalization({ name: 'bn0' }), x);
  x = apply(tf.layers.activation({ activation: 'relu', name: 'relu0' }), x);
  const block = apply(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool0' }), x);
  // Residual block: conv → BN → ReLU → conv → BN, added to its input, then ReLU.
  x = apply(conv(8, 'res_conv_a'), block);
  x = apply(tf.layers.batchNormalization({ name: 'res_bn_a' }), x);
  x = apply(tf.layers.reLU({ name: 'res_relu_a' }), x);
  x = apply(conv(8, 'res_conv_b'), x);
  x = apply(tf.layers.batchNormalization({ name: 'res_bn_b', momentum: 0.9 }), x);
  x = apply(tf.layers.add({ name: 'res_add' }), [block, x]);
  x = apply(tf.layers.activation({ activation: 'relu', name: 'res_relu' }), x);
  x = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu', depthwiseInitializer: init(), name: 'dw' }), x);
  x = apply(tf.layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: init(), pointwiseInitializer: init(), name: 'sep' }), x);
  x = apply(tf.layers.batchNormalization({ name: 'bn_sep' }), x);
  const featureMap = apply(tf.layers.averagePooling2d({ poolSize: 2, name: 'avg' }), x);
  const pooled = apply(tf.layers.concatenate({ name: 'concat' }), [
    apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), featureMap),
    apply(tf.layers.globalMaxPooling2d({ name: 'gmp' }), featureMap),
  ]);
  const vector = apply(tf.layers.batchNormalization({ name: 'bn_vec' }), apply(tf.layers.layerNormalization({ name: 'ln' }), pooled));
  const flat = once(() => apply(tf.layers.flatten({ name: 'flatten' }), featureMap));
  const features = once(() => apply(tf.layers.dense({ units: 16, activation: 'gelu', kernelInitializer: init(), name: 'dense' }), vector));
  return { type: 'all-layers', input, featureMap, flat, features, init, heads: { kind: 'stacked', hiddenUnits: 0, dropout: 0, lengthHead: false } };
}

/** A model of the trunk with a 5-unit linear output on its features. */
export function allLayersModel(inputShape: number[], seed = 3): tf.LayersModel {
  const trunk = allLayersTrunk(inputShape, seed);
  const out = apply(tf.layers.dense({ units: 5, kernelInitializer: trunk.init(), name: 'out' }), trunk.features());
  return tf.model({ inputs: trunk.input, outputs: out });
}

/** The names of the BatchNormalization layers of `model`. */
export const batchNormNames = (model: tf.LayersModel) => model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.name);
