import * as tf from '@tensorflow/tfjs';
import { kernelInitializers } from '../init.js';
import { checkInputShape, checkPooling, once, poolingIssues, type PoolSite } from '../model-shape.js';
import type { BuildContext, ModelType, Trunk } from '../model-type.js';
import { MultiheadCnnSchema, type MultiheadCnnConfig } from './schema.js';

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;

const pools = (c: MultiheadCnnConfig): PoolSite[] =>
  c.blocks.flatMap((block, b) => (block.pool ? [{ pointer: `/model/blocks/${b}`, layer: `block_${b}_pool`, fix: 'set pool: false on this block or remove a block' }] : []));

/**
 * Builds the deeper CNN trunk: conv blocks (conv → optional batch norm → relu per filter entry, then optional 2×2
 * max-pool and dropout); its features are flatten → Dense(dense_units, relu) → dropout.
 *
 * The schema's default blocks give the reference net: conv 32-64, pool, conv 128-128, pool, dense 512, dropout
 * 0.5. `weight_decay` adds an L2 penalty to every conv and dense kernel (heads included). With `heads: shared`
 * the sequence task reads the feature map slot by slot instead of the features.
 *
 * @example buildMultiheadCnn(config.model, { inputShape: [28, 84, 1], seed: 42 })
 */
export function buildMultiheadCnn(opts: MultiheadCnnConfig, ctx: BuildContext): Trunk {
  checkInputShape(ctx.inputShape, 3, 'multihead-cnn');
  checkPooling(ctx.inputShape, pools(opts));
  const init = kernelInitializers(ctx.seed);
  const kernelRegularizer = opts.weight_decay > 0 ? tf.regularizers.l2({ l2: opts.weight_decay }) : undefined;

  const input = tf.input({ shape: ctx.inputShape, dtype: 'float32', name: 'image' });
  let x = input;
  opts.blocks.forEach((block, b) => {
    block.filters.forEach((filters, i) => {
      const name = `block_${b}_conv_${i}`;
      // Batch norm's beta already shifts each channel, so the conv bias would be a redundant parameter.
      x = apply(
        tf.layers.conv2d({ filters, kernelSize: block.kernel_size, padding: 'same', useBias: !block.batch_norm, kernelInitializer: init(), kernelRegularizer, name }),
        x,
      );
      if (block.batch_norm) x = apply(tf.layers.batchNormalization({ name: `${name}_bn` }), x);
      x = apply(tf.layers.activation({ activation: 'relu', name: `${name}_relu` }), x);
    });
    if (block.pool) x = apply(tf.layers.maxPooling2d({ poolSize: 2, name: `block_${b}_pool` }), x);
    // Dropout layers get no seed: tfjs reuses a seeded layer's mask on every batch, which would drop the
    // same units all run long.
    if (block.dropout > 0) x = apply(tf.layers.dropout({ rate: block.dropout, name: `block_${b}_dropout` }), x);
  });
  const featureMap = x;
  const flat = once(() => apply(tf.layers.flatten({ name: 'flatten' }), featureMap));
  const features = once(() => {
    let f = apply(tf.layers.dense({ units: opts.dense_units, activation: 'relu', kernelInitializer: init(), kernelRegularizer, name: 'dense' }), flat());
    if (opts.dense_dropout > 0) f = apply(tf.layers.dropout({ rate: opts.dense_dropout, name: 'dense_dropout' }), f);
    return f;
  });
  const heads =
    opts.heads === 'shared'
      ? { kind: 'shared' as const, hiddenUnits: opts.dense_units, dropout: opts.dense_dropout, lengthHead: opts.length_head }
      : { kind: 'per_position' as const, hiddenUnits: opts.head_units, dropout: opts.head_dropout, lengthHead: opts.length_head };
  return { type: 'multihead-cnn', input, featureMap, flat, features, init, kernelRegularizer, heads };
}

/** The `multihead-cnn` registry entry. */
export const multiheadCnn: ModelType<MultiheadCnnConfig> = {
  schema: MultiheadCnnSchema,
  accepts: ['image'],
  checks: (c, inputShape) => poolingIssues(inputShape, pools(c)),
  build: buildMultiheadCnn,
};
