// Activation functions, as a layer of their own (`- activation: relu`) or as the `activation:` option of conv
// and dense layers.
import * as tf from '@tensorflow/tfjs';
import { StringOptions } from '@xp/core';
import type { BuildArgs, LayerKind } from './kind.js';

/** The activations a YAML may name; `silu` is tfjs's `swish`, `leaky_relu` has Keras's slope 0.3. */
export const ACTIVATIONS = ['linear', 'relu', 'gelu', 'silu', 'swish', 'tanh', 'sigmoid', 'leaky_relu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The schema of an activation name, with `fallback` as its default (conv and dense: linear). */
export const activationField = (description: string, fallback?: ActivationName) =>
  StringOptions<ActivationName>(ACTIVATIONS, fallback ? { description, default: fallback } : { description });

type TfActivation = 'linear' | 'relu' | 'gelu' | 'swish' | 'tanh' | 'sigmoid';

/** The activation tfjs layers take inside a conv or dense layer; leaky_relu needs a layer of its own (null). */
export function inLayerActivation(a: ActivationName): TfActivation | null {
  if (a === 'leaky_relu') return null;
  return a === 'silu' ? 'swish' : a;
}

/** The layer that applies `a` on its own. */
export function activationLayer(a: ActivationName, name: string, trainable: boolean): tf.layers.Layer {
  const tfName = inLayerActivation(a);
  return tfName === null ? tf.layers.leakyReLU({ alpha: 0.3, name, trainable }) : tf.layers.activation({ activation: tfName, name, trainable });
}

/**
 * A conv or dense layer made by `make` with `a` inside it, or followed by a `<name>_act` layer when tfjs has no
 * such in-layer activation (leaky_relu).
 */
export function withActivation(a: ActivationName, args: BuildArgs, make: (activation: TfActivation) => tf.layers.Layer): tf.layers.Layer[] {
  const inside = inLayerActivation(a);
  if (inside !== null) return [make(inside)];
  return [make('linear'), activationLayer(a, `${args.name}_act`, args.trainable)];
}

/** `- activation: relu` */
export const activation: LayerKind<ActivationName> = {
  schema: activationField('The activation function.'),
  summary: 'an activation function on its own',
  shape: (input) => ({ out: input, params: 0 }),
  build: (a, { name, trainable }) => [activationLayer(a, name, trainable)],
};
