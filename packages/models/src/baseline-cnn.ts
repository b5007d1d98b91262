import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '@xp/core';
import { lengthHead, stackedDigitHead } from './heads.js';
import { kernelInitializers } from './init.js';
import { checkPooling, checkShape, type ModelShape } from './model-shape.js';

/** Options of the `baseline-cnn` architecture, as validated by core's schema. */
export type BaselineCnnOptions = Extract<ModelConfig, { type: 'baseline-cnn' }>;

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;

/**
 * Builds the baseline: per `filters` entry a same-padded relu conv and a 2×2 max-pool, then flatten,
 * Dense(dense_units, relu), optional dropout, and one stacked Dense(maxLen × numClasses) head.
 *
 * Outputs `digits` [batch, maxLen, numClasses] logits, plus `length` [batch, maxLen + 1] logits when
 * `length_head` is set.
 *
 * @example buildBaselineCnn({ type: 'baseline-cnn', filters: [32, 64], kernel_size: 3, dense_units: 128, dropout: 0, length_head: false }, { height: 28, width: 84, maxLen: 3, numClasses: 11 })
 */
export function buildBaselineCnn(opts: BaselineCnnOptions, shape: ModelShape): tf.LayersModel {
  checkShape(shape);
  checkPooling(shape, opts.filters.map((_, i) => ({ layer: `pool_${i}`, option: `model.filters[${i}]` })));
  const init = kernelInitializers(shape.seed);

  const image = tf.input({ shape: [shape.height, shape.width, 1], dtype: 'float32', name: 'image' });
  let x = image;
  opts.filters.forEach((filters, i) => {
    x = apply(
      tf.layers.conv2d({ filters, kernelSize: opts.kernel_size, padding: 'same', activation: 'relu', kernelInitializer: init(), name: `conv_${i}` }),
      x,
    );
    x = apply(tf.layers.maxPooling2d({ poolSize: 2, name: `pool_${i}` }), x);
  });
  x = apply(tf.layers.flatten({ name: 'flatten' }), x);
  x = apply(tf.layers.dense({ units: opts.dense_units, activation: 'relu', kernelInitializer: init(), name: 'dense' }), x);
  if (opts.dropout > 0) x = apply(tf.layers.dropout({ rate: opts.dropout, name: 'dropout' }), x);

  const heads = { maxLen: shape.maxLen, numClasses: shape.numClasses, init };
  const outputs = [stackedDigitHead(x, heads)];
  if (opts.length_head) outputs.push(lengthHead(x, heads));
  return tf.model({ inputs: image, outputs, name: 'baseline_cnn' });
}
