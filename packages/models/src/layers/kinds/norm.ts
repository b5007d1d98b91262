// Normalisation over the last axis (channels or features): batch_norm and layer_norm.
import * as tf from '@tensorflow/tfjs';
import { FloatRange, PositiveNumber, Strict, type Static } from '@xp/core';
import type { LayerKind } from './kind.js';
import { LayerNorm } from './layer-norm-layer.js';

const epsilon = PositiveNumber({ description: 'Added to the variance to avoid dividing by zero.', default: 0.001 });
export const BatchNormSchema = Strict(
  { momentum: FloatRange(0, 1, { description: 'Momentum of the moving mean and variance used at inference.', default: 0.99 }), epsilon },
  { description: 'Batch normalisation over the last axis.' },
);
export const LayerNormSchema = Strict({ epsilon }, { description: 'Layer normalisation over the last axis.' });

const last = (s: number[]) => s[s.length - 1];

/**
 * tfjs's BatchNormalization with Keras's frozen semantics: while its `trainable` is false (`trainable: false`, or
 * frozen later) it normalises with its moving statistics and leaves them alone even in a training step. tfjs's own
 * layer would keep using batch statistics and updating the moving ones, so a frozen layer would still change. The
 * flag is read at every call, so unfreezing takes effect at the next step.
 */
export function frozenAwareBatchNorm(args: Parameters<typeof tf.layers.batchNormalization>[0]): tf.layers.Layer {
  const layer = tf.layers.batchNormalization(args);
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  return layer;
}

/** `- batch_norm: {}`: gamma and beta train; the moving mean and variance do not (4 × channels parameters). */
export const batchNorm: LayerKind<Static<typeof BatchNormSchema>> = {
  schema: BatchNormSchema,
  summary: 'batch normalisation',
  shape: (input) => ({ out: input, params: 4 * last(input) }),
  build: (o, { name, trainable }) => [frozenAwareBatchNorm({ momentum: o.momentum, epsilon: o.epsilon, name, trainable })],
};

/** `- layer_norm: {}` */
export const layerNorm: LayerKind<Static<typeof LayerNormSchema>> = {
  schema: LayerNormSchema,
  summary: 'layer normalisation',
  shape: (input) => ({ out: input, params: 2 * last(input) }),
  build: (o, { name, trainable }) => [new LayerNorm({ epsilon: o.epsilon, name, trainable })],
};
