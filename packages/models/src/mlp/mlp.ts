// The `mlp` architecture: Dense layers on a vector input. The trunk ends at the last hidden layer; the task
// puts its head there.
import * as tf from '@tensorflow/tfjs';
import { kernelInitializers } from '../init.js';
import { checkInputShape, once } from '../model-shape.js';
import type { BuildContext, ModelType, Trunk } from '../model-type.js';
import { MlpSchema, type MlpActivation, type MlpConfig } from './schema.js';

type TfActivation = Exclude<MlpActivation, 'silu'>;
const tfActivation = (a: MlpActivation): TfActivation => (a === 'silu' ? 'swish' : a);
const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;

/**
 * Builds the trunk: input [F] → per `hidden` entry `dense_i` (with `bn_i` + `act_i` when batch_norm, the
 * activation inside the Dense otherwise) and `dropout_i` when dropout > 0. Layers are made on the first
 * `features()` call, taking kernel initialisers in that order.
 */
export function buildMlp(config: MlpConfig, ctx: BuildContext): Trunk {
  checkInputShape(ctx.inputShape, 1, 'mlp');
  const init = kernelInitializers(ctx.seed);
  const input = tf.input({ shape: [ctx.inputShape[0]], dtype: 'float32', name: 'features_in' });
  const activation = tfActivation(config.activation);
  return {
    type: 'mlp',
    input,
    flat: () => input,
    features: once(() => {
      let x = input;
      config.hidden.forEach((units, i) => {
        x = apply(
          tf.layers.dense({ units, activation: config.batch_norm ? 'linear' : activation, useBias: !config.batch_norm, kernelInitializer: init(), name: `dense_${i}` }),
          x,
        );
        if (config.batch_norm) {
          x = apply(tf.layers.batchNormalization({ name: `bn_${i}` }), x);
          x = apply(tf.layers.activation({ activation, name: `act_${i}` }), x);
        }
        if (config.dropout > 0) x = apply(tf.layers.dropout({ rate: config.dropout, name: `dropout_${i}` }), x);
      });
      return x;
    }),
    init,
    // Only the sequence task reads head styles; an MLP's feature vector takes the plain stacked head.
    heads: { kind: 'stacked', hiddenUnits: 0, dropout: 0, lengthHead: false },
  };
}

/** The `mlp` model type: the registry entry. */
export const mlpModel: ModelType<MlpConfig> = {
  schema: MlpSchema,
  accepts: ['vector'],
  build: buildMlp,
};
