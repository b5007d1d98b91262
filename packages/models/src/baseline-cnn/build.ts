import * as tf from '@tensorflow/tfjs';
import { kernelInitializers } from '../init.js';
import { checkInputShape, checkPooling, once, poolingIssues, type PoolSite } from '../model-shape.js';
import type { BuildContext, ModelType, Trunk } from '../model-type.js';
import { BaselineCnnSchema, type BaselineCnnConfig } from './schema.js';

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;

const pools = (c: BaselineCnnConfig): PoolSite[] =>
  c.filters.map((_, i) => ({ pointer: `/model/filters/${i}`, layer: `pool_${i}`, fix: 'remove entries from model.filters' }));

/**
 * Builds the baseline trunk: per `filters` entry a same-padded relu conv and a 2×2 max-pool; its features are
 * flatten → Dense(dense_units, relu) → optional dropout. The task's head reads them (for sequences: one stacked
 * Dense(positions × classes)).
 *
 * @example buildBaselineCnn(config.model, { inputShape: [28, 84, 1], seed: 42 })
 */
export function buildBaselineCnn(opts: BaselineCnnConfig, ctx: BuildContext): Trunk {
  checkInputShape(ctx.inputShape, 3, 'baseline-cnn');
  checkPooling(ctx.inputShape, pools(opts));
  const init = kernelInitializers(ctx.seed);
  const input = tf.input({ shape: ctx.inputShape, dtype: 'float32', name: 'image' });
  let x = input;
  opts.filters.forEach((filters, i) => {
    x = apply(
      tf.layers.conv2d({ filters, kernelSize: opts.kernel_size, padding: 'same', activation: 'relu', kernelInitializer: init(), name: `conv_${i}` }),
      x,
    );
    x = apply(tf.layers.maxPooling2d({ poolSize: 2, name: `pool_${i}` }), x);
  });
  const featureMap = x;
  const flat = once(() => apply(tf.layers.flatten({ name: 'flatten' }), featureMap));
  const features = once(() => {
    let f = apply(tf.layers.dense({ units: opts.dense_units, activation: 'relu', kernelInitializer: init(), name: 'dense' }), flat());
    if (opts.dropout > 0) f = apply(tf.layers.dropout({ rate: opts.dropout, name: 'dropout' }), f);
    return f;
  });
  return { type: 'baseline-cnn', input, featureMap, flat, features, init, heads: { kind: 'stacked', hiddenUnits: 0, dropout: 0, lengthHead: opts.length_head } };
}

/** The `baseline-cnn` registry entry. */
export const baselineCnn: ModelType<BaselineCnnConfig> = {
  schema: BaselineCnnSchema,
  accepts: ['image'],
  checks: (c, inputShape) => poolingIssues(inputShape, pools(c)),
  build: buildBaselineCnn,
};
