import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '@xp/core';
import { lengthHead, perPositionDigitHeads, sharedSlotDigitHeads } from './heads.js';
import { kernelInitializers } from './init.js';
import { checkPooling, checkShape, type ModelShape } from './model-shape.js';

/** Options of the `multihead-cnn` architecture, as validated by core's schema. */
export type MultiheadCnnOptions = Extract<ModelConfig, { type: 'multihead-cnn' }>;

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;

/**
 * Builds the deeper CNN: conv blocks (conv → optional batch norm → relu per filter entry, then optional 2×2
 * max-pool and dropout), flatten, Dense(dense_units, relu), dropout, and one head per digit position.
 *
 * The schema's default blocks give the reference net: conv 32-64, pool, conv 128-128, pool, dense 512,
 * dropout 0.5, three 11-way heads. `weight_decay` adds an L2 penalty to every conv and dense kernel.
 * Outputs `digits` [batch, maxLen, numClasses] logits, plus `length` [batch, maxLen + 1] logits when
 * `length_head` is set.
 *
 * @example buildMultiheadCnn(config.model, { height: 28, width: 84, maxLen: 3, numClasses: 11, seed: 42 })
 */
export function buildMultiheadCnn(opts: MultiheadCnnOptions, shape: ModelShape): tf.LayersModel {
  checkShape(shape);
  checkPooling(
    shape,
    opts.blocks.flatMap((block, b) => (block.pool ? [{ layer: `block_${b}_pool`, option: `model.blocks[${b}]` }] : [])),
  );
  const init = kernelInitializers(shape.seed);
  const kernelRegularizer = opts.weight_decay > 0 ? tf.regularizers.l2({ l2: opts.weight_decay }) : undefined;

  const image = tf.input({ shape: [shape.height, shape.width, 1], dtype: 'float32', name: 'image' });
  let x = image;
  opts.blocks.forEach((block, b) => {
    block.filters.forEach((filters, i) => {
      const name = `block_${b}_conv_${i}`;
      // Batch norm's beta already shifts each channel, so the conv bias would be a redundant parameter.
      x = apply(
        tf.layers.conv2d({
          filters,
          kernelSize: block.kernel_size,
          padding: 'same',
          useBias: !block.batch_norm,
          kernelInitializer: init(),
          kernelRegularizer,
          name,
        }),
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
  const heads = { maxLen: shape.maxLen, numClasses: shape.numClasses, init, kernelRegularizer };
  const trunk = x;
  x = apply(tf.layers.flatten({ name: 'flatten' }), x);
  const outputs: tf.SymbolicTensor[] = [];
  if (opts.heads === 'shared') {
    outputs.push(sharedSlotDigitHeads(trunk, { ...heads, hiddenUnits: opts.dense_units, dropout: opts.dense_dropout }));
  } else {
    x = apply(tf.layers.dense({ units: opts.dense_units, activation: 'relu', kernelInitializer: init(), kernelRegularizer, name: 'dense' }), x);
    if (opts.dense_dropout > 0) x = apply(tf.layers.dropout({ rate: opts.dense_dropout, name: 'dense_dropout' }), x);
    outputs.push(perPositionDigitHeads(x, { ...heads, hiddenUnits: opts.head_units, dropout: opts.head_dropout }));
  }
  if (opts.length_head) outputs.push(lengthHead(x, heads));
  return tf.model({ inputs: image, outputs, name: 'multihead_cnn' });
}
