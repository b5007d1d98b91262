// The contract every augmentation keeps: random parameters come from the Rng in JS (a few numbers per image,
// turned into small tensors), then one batched op does the pixel work. So a seed fixes the result on every
// backend, and a batch costs a handful of kernel launches whatever its size.
import type * as tf from '@tensorflow/tfjs';
import type { AugmentConfig, AugmentName } from '@xp/core';
import type { Rng } from '../rng.js';

/** The resolved options of the augmentation named `K`, as they appear in the config's `augment` list. */
export type AugmentOptions<K extends AugmentName> = Extract<AugmentConfig, { type: K }>;

/** What an augmentation needs besides its options. */
export interface AugmentContext {
  /** Source of every random choice. */
  rng: Rng;
  /** Pixel value (in [0,1]) for areas an augmentation uncovers, e.g. rotated-in corners: the background. */
  fillValue: number;
}

/**
 * Augments a batch of [0,1] images [N,H,W,1], each image with probability `options.p`. Labels are never
 * involved. May return `images` itself when no image is picked; call it inside `tf.tidy`.
 */
export type Augmentation<K extends AugmentName> = (images: tf.Tensor4D, options: AugmentOptions<K>, ctx: AugmentContext) => tf.Tensor4D;

/** Draws which of `n` images get an augmentation applied with probability `p`. */
export function pickImages(n: number, p: number, rng: Rng): boolean[] {
  return Array.from({ length: n }, () => rng.next() < p);
}

/** A seed for tfjs's seeded random ops, drawn from `rng` so it follows the experiment seed. */
export function tfSeed(rng: Rng): number {
  return rng.int(2 ** 31 - 1);
}
