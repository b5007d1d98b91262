// dropout (units) and spatial_dropout (whole channels of a map); the value is the rate: `- dropout: 0.3`.
import * as tf from '@tensorflow/tfjs';
import { Rate } from '@xp/core';
import { needsMap, type LayerKind } from './kind.js';
import { SpatialDropout2D } from './spatial-dropout.js';

/**
 * `- dropout: 0.3`. No seed: tfjs reuses a seeded layer's mask on every batch, which would drop the same units
 * all run long.
 */
export const dropout: LayerKind<number> = {
  schema: Rate({ description: 'Dropout rate: the fraction of units zeroed while training.' }),
  summary: 'dropout of single units',
  shape: (input) => ({ out: input, params: 0 }),
  build: (rate, { name, trainable }) => [tf.layers.dropout({ rate, name, trainable })],
};

/** `- spatial_dropout: 0.1`: drops whole channels, the usual dropout for conv feature maps. */
export const spatialDropout: LayerKind<number> = {
  schema: Rate({ description: 'Spatial dropout rate: the fraction of channels zeroed while training.' }),
  summary: 'dropout of whole channels of a feature map',
  shape: (input) => {
    const notMap = needsMap('spatial_dropout', input, 'use dropout on vectors');
    return notMap ? { problem: notMap } : { out: input, params: 0 };
  },
  build: (rate, { name, trainable }) => [new SpatialDropout2D({ rate, name, trainable })],
};
