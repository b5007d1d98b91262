// The `model:` section of `type: mlp`, a stack of dense layers for encoded table rows.
import { PositiveInt, Rate, Strict, StringOptions, Type, type Static } from '@xp/core';

/** Activations tfjs layers serialise (so a saved model loads back); `silu` is tfjs's `swish`. */
export const MLP_ACTIVATIONS = ['relu', 'gelu', 'tanh', 'silu', 'swish', 'elu', 'selu', 'sigmoid', 'mish', 'relu6', 'softplus'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

export const MlpSchema = Strict(
  {
    hidden: Type.Array(PositiveInt({ description: 'Units of one hidden layer.' }), {
      description: 'Units of each hidden dense layer, input side first; [] gives a linear model on the encoded columns.',
      default: [64, 32],
      maxItems: 32,
    }),
    activation: StringOptions<MlpActivation>(MLP_ACTIVATIONS, { description: 'Activation of every hidden layer.', default: 'relu' }),
    dropout: Rate({ description: 'Dropout rate after each hidden layer (0 = none).', default: 0 }),
    batch_norm: Type.Boolean({ description: 'Batch normalisation between each dense layer and its activation.', default: false }),
  },
  { description: 'Multi-layer perceptron for vector input (encoded table rows).' },
);

/** The resolved `model:` section of an mlp experiment. */
export type MlpConfig = Static<typeof MlpSchema> & { type: 'mlp' };
