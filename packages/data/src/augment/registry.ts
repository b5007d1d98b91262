// A constant map, not a mutable registry: `satisfies` makes the compiler insist on one implementation per
// augmentation core's schema declares, and on the right options type for each.
import type * as tf from '@tensorflow/tfjs';
import type { AugmentConfig, AugmentName } from '@xp/core';
import type { AugmentContext, Augmentation } from './augmentation.js';
import { elastic } from './elastic.js';
import { gaussianNoise } from './gaussian-noise.js';
import { invert } from './invert.js';
import { randomAffine } from './random-affine.js';
import { randomErasing } from './random-erasing.js';

/** Every augmentation, keyed by its config `type`. */
export const augmentations = {
  random_affine: randomAffine,
  elastic,
  gaussian_noise: gaussianNoise,
  random_erasing: randomErasing,
  invert,
} as const satisfies { [K in AugmentName]: Augmentation<K> };

/** Runs one configured augmentation on a batch of [0,1] images. Call inside `tf.tidy`. */
export function applyAugment(images: tf.Tensor4D, config: AugmentConfig, ctx: AugmentContext): tf.Tensor4D {
  // The union of configs cannot index the map type-safely; `satisfies` above already ties each key to its options.
  const fn = augmentations[config.type] as Augmentation<AugmentName>;
  return fn(images, config as never, ctx);
}

/** Whether an augmentation runs on each digit before placement (`scope: digit`) rather than on the canvas. */
export function isDigitScope(config: AugmentConfig): boolean {
  return 'scope' in config && config.scope === 'digit';
}
