import '../../test/helpers.js';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { gaussianKernel } from './elastic.js';
import { gaussianNoise } from './gaussian-noise.js';
import { invert } from './invert.js';
import { projectiveTransform } from '../native-ops.js';
import { affineRow } from './random-affine.js';
import { randomErasing } from './random-erasing.js';

const ctx = (seed = 1, fillValue = 0) => ({ rng: createRng(seed, 'unit'), fillValue });

describe('affineRow', () => {
  it('is the identity for neutral parameters and inverts a translation', () => {
    const id = affineRow({ rotation: 0, shear: 0, scale: 1, tx: 0, ty: 0 }, 28, 28);
    [1, 0, 0, 0, 1, 0, 0, 0].forEach((v, i) => expect(id[i]).toBeCloseTo(v, 12));
    const t = affineRow({ rotation: 0, shear: 0, scale: 1, tx: 3, ty: -2 }, 28, 28);
    expect(t[2]).toBeCloseTo(-3, 12); // output x reads input x − 3: the content moves right
    expect(t[5]).toBeCloseTo(2, 12);
  });

  it('rotates about the centre: a horizontal bar becomes vertical at 90°', () => {
    const bar = tf.tidy(() => tf.oneHot([2], 5).reshape([1, 5, 1, 1]).tile([1, 1, 5, 1])) as tf.Tensor4D;
    const row = affineRow({ rotation: 90, shear: 0, scale: 1, tx: 0, ty: 0 }, 5, 5);
    const rotated = projectiveTransform(bar, tf.tensor2d([row]), { interpolation: 'nearest' }).arraySync();
    expect(rotated[0].map((r) => r[2][0])).toEqual([1, 1, 1, 1, 1]);
    expect(rotated[0][2].map((p) => p[0])).toEqual([0, 0, 1, 0, 0]);
  });
});

describe('invert', () => {
  it('maps x to 1 − x', () => {
    const x = tf.tensor4d([0, 0.25, 1, 0.5], [1, 2, 2, 1]);
    expect(invert(x, { type: 'invert', p: 1 }, ctx()).arraySync().flat(3)).toEqual([1, 0.75, 0, 0.5]);
  });
});

describe('gaussian_noise', () => {
  it('adds noise of std sigma', () => {
    const x = tf.fill([4, 28, 28, 1], 0.5) as tf.Tensor4D;
    const d = tf.sub(gaussianNoise(x, { type: 'gaussian_noise', p: 1, sigma: 0.05 }, ctx()), x);
    const { variance } = tf.moments(d);
    expect(Math.sqrt(variance.arraySync() as number)).toBeCloseTo(0.05, 2);
  });
});

describe('random_erasing', () => {
  it('fills one rectangle of the requested area with the fill value', () => {
    const x = tf.ones([16, 28, 28, 1]) as tf.Tensor4D;
    const out = randomErasing(x, { type: 'random_erasing', p: 1, area: [0.1, 0.2] }, ctx(2, 0.25)).arraySync();
    for (const img of out) {
      const erased: [number, number][] = [];
      img.forEach((row, y) => row.forEach(([v], xx) => v !== 1 && erased.push([y, xx])));
      expect(erased.every(([y, xx]) => img[y][xx][0] === 0.25)).toBe(true);
      const ys = erased.map(([y]) => y);
      const xs = erased.map(([, xx]) => xx);
      const box = (Math.max(...ys) - Math.min(...ys) + 1) * (Math.max(...xs) - Math.min(...xs) + 1);
      expect(box).toBe(erased.length); // a filled rectangle
      expect(erased.length / 784).toBeGreaterThan(0.05);
      expect(erased.length / 784).toBeLessThan(0.3);
    }
  });
});

describe('gaussianKernel', () => {
  it('is normalised, symmetric and truncated at 3σ', () => {
    const k = gaussianKernel(2, 100);
    expect(k.length).toBe(13);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(k[0]).toBeCloseTo(k[12], 9);
    expect(gaussianKernel(50, 10).length).toBe(21);
  });
});
