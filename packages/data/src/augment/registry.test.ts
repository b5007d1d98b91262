import { npmMnist } from '../../test/helpers.js';
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '@xp/core';
import { AugmentSchemas } from '@xp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { applyAugment, augmentations } from './registry.js';

// Strong settings, so that "changed" is unmistakable.
const strong: Record<keyof typeof augmentations, AugmentConfig> = {
  random_affine: { type: 'random_affine', p: 1, scope: 'canvas', rotation: 25, translate: 0.1, scale: [0.8, 1.2], shear: 15 },
  elastic: { type: 'elastic', p: 1, scope: 'canvas', alpha: 34, sigma: 4 },
  gaussian_noise: { type: 'gaussian_noise', p: 1, sigma: 0.2 },
  random_erasing: { type: 'random_erasing', p: 1, area: [0.1, 0.3] },
  invert: { type: 'invert', p: 1 },
};

let images: tf.Tensor4D;
beforeAll(async () => {
  const { test } = await npmMnist();
  // Eight real digits in [0,1], as the pipeline hands them over.
  images = tf.tidy(() => tf.tensor4d(test.images.subarray(0, 8 * 784), [8, 28, 28, 1], 'float32').div(255)) as tf.Tensor4D;
});

const run = (cfg: AugmentConfig, seed = 1) => {
  const ctx = { rng: createRng(seed, 'aug'), fillValue: 0 };
  const out = tf.tidy(() => applyAugment(images, cfg, ctx).clone());
  const values = out.arraySync();
  out.dispose();
  return values;
};
const diffPerImage = (a: number[][][][], b: number[][][][]) => a.map((img, i) => img.flat(2).some((v, k) => v !== b[i].flat(2)[k]));

describe('augmentation registry', () => {
  it('has one implementation per augmentation in the schema', () => {
    expect(Object.keys(augmentations).sort()).toEqual(Object.keys(AugmentSchemas).sort());
  });

  describe.each(Object.entries(strong))('%s', (_, cfg) => {
    it('keeps the shape and the [0,1] range, and changes every image at p = 1', () => {
      const out = run(cfg);
      expect([out.length, out[0].length, out[0][0].length, out[0][0][0].length]).toEqual([8, 28, 28, 1]);
      const flat = out.flat(3);
      expect(Math.min(...flat)).toBeGreaterThanOrEqual(-1e-6);
      expect(Math.max(...flat)).toBeLessThanOrEqual(1 + 1e-6);
      expect(diffPerImage(out, images.arraySync())).toEqual(new Array(8).fill(true));
    });

    it('is the identity at p = 0', () => {
      expect(run({ ...cfg, p: 0 })).toEqual(images.arraySync());
    });

    it('picks images with probability p', () => {
      const changed = diffPerImage(run({ ...cfg, p: 0.5 }, 3), images.arraySync());
      expect(changed).toContain(true);
      expect(changed).toContain(false);
    });

    it('is deterministic in the seed', () => {
      expect(run(cfg, 5)).toEqual(run(cfg, 5));
      // At p = 0.5 even invert, which has no parameter, depends on the seed through its picks.
      expect(run({ ...cfg, p: 0.5 }, 5)).not.toEqual(run({ ...cfg, p: 0.5 }, 6));
    });

    it('leaves no tensors behind', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => applyAugment(images, cfg, { rng: createRng(1, 'leak'), fillValue: 0 })).dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
