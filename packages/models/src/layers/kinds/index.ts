// Every layer kind of the `layers` model, keyed by the name a YAML entry uses. Adding a kind means one file
// in this folder and one line here.
import { activation } from './activation.js';
import { conv2d, depthwiseConv2d, separableConv2d } from './conv.js';
import { dense, flatten } from './dense.js';
import { dropout, spatialDropout } from './dropout.js';
import type { LayerKind } from './kind.js';
import { batchNorm, layerNorm } from './norm.js';
import { avgPool, globalAvgPool, globalMaxPool, maxPool } from './pool.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind is typed by its own options
export const layerKinds: Readonly<Record<string, LayerKind<any>>> = {
  conv2d,
  depthwise_conv2d: depthwiseConv2d,
  separable_conv2d: separableConv2d,
  max_pool: maxPool,
  avg_pool: avgPool,
  global_avg_pool: globalAvgPool,
  global_max_pool: globalMaxPool,
  batch_norm: batchNorm,
  layer_norm: layerNorm,
  dropout,
  spatial_dropout: spatialDropout,
  dense,
  flatten,
  activation,
};

/** Kinds that still make sense once `slots` has cut the map into one vector per position. */
export const PER_SLOT_KINDS: readonly string[] = ['dense', 'dropout', 'activation', 'layer_norm'];

export { ACTIVATIONS, type ActivationName } from './activation.js';
export { showShape, type LayerKind, type Shape } from './kind.js';
