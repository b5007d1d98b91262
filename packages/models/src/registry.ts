import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelName } from '@xp/core';
import { buildBaselineCnn } from './baseline-cnn.js';
import { ModelConfigError } from './errors.js';
import type { ModelShape } from './model-shape.js';
import { buildMultiheadCnn } from './multihead-cnn.js';

/** The options one architecture receives: its branch of the `model` config. */
export type ModelOptions<K extends ModelName> = Extract<ModelConfig, { type: K }>;

/** Builds one architecture from its options and the data's shape. */
export type ModelBuilder<K extends ModelName> = (opts: ModelOptions<K>, shape: ModelShape) => tf.LayersModel;

/**
 * Every architecture, keyed by its name in core's `ModelSchemas`.
 *
 * A plain const map rather than a mutable global filled by import side effects, so the set of models is
 * visible here and a test can check it against the schema.
 */
export const models: { readonly [K in ModelName]: ModelBuilder<K> } = {
  'baseline-cnn': buildBaselineCnn,
  'multihead-cnn': buildMultiheadCnn,
};

/** Builds the model a validated `model` config asks for; throws, listing the known names, on an unknown type. */
export function buildModel(config: ModelConfig, shape: ModelShape): tf.LayersModel {
  const type: string = config.type;
  if (!Object.hasOwn(models, type)) {
    throw new ModelConfigError('XP_CONFIG_UNKNOWN_MODEL', `model.type: unknown model '${type}'. Known models: ${Object.keys(models).join(', ')}.`);
  }
  // Narrowing the map by a runtime key loses the link between key and options type; the config's own
  // `type` picked this entry, so its options match.
  const build = models[config.type] as ModelBuilder<ModelName>;
  return build(config, shape);
}
