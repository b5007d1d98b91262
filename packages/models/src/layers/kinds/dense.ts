// dense (on vectors, or per slot after `slots`) and flatten (a map to one vector).
import * as tf from '@tensorflow/tfjs';
import { PositiveInt, Strict, Type, type Static } from '@xp/core';
import { activationField, withActivation } from './activation.js';
import { needsVector, type LayerKind } from './kind.js';

export const DenseSchema = Strict(
  {
    units: PositiveInt({ description: 'Output units.' }),
    activation: activationField('Activation applied to the output.', 'linear'),
    use_bias: Type.Boolean({ description: 'Add a bias per unit.', default: true }),
  },
  { description: 'A fully connected layer.' },
);
type DenseOptions = Static<typeof DenseSchema>;

/**
 * `- dense: { units: 256, activation: relu }`. On a feature map it is an error rather than an implicit flatten:
 * tfjs would apply it to the channels of every pixel, which is rarely what a YAML author means.
 */
export const dense: LayerKind<DenseOptions> = {
  schema: DenseSchema,
  summary: 'a fully connected layer',
  shape: (input, o) => {
    const notVector = needsVector('dense', input, 'put a flatten or global_avg_pool before it');
    if (notVector) return { problem: notVector };
    const f = input[input.length - 1];
    return { out: [...input.slice(0, -1), o.units], params: f * o.units + (o.use_bias ? o.units : 0) };
  },
  build: (o, a) =>
    withActivation(o.activation, a, (activation) =>
      tf.layers.dense({ units: o.units, activation, useBias: o.use_bias, kernelInitializer: a.init(), kernelRegularizer: a.kernelRegularizer, name: a.name, trainable: a.trainable }),
    ),
};

export const FlattenSchema = Strict({}, { description: 'No options: write `{}`.' });

/** `- flatten: {}` */
export const flatten: LayerKind<Record<string, never>> = {
  schema: FlattenSchema,
  summary: 'a feature map to one vector',
  shape: (input) => ({ out: [input.reduce((a, b) => a * b, 1)], params: 0 }),
  build: (_, { name, trainable }) => [tf.layers.flatten({ name, trainable })],
};
