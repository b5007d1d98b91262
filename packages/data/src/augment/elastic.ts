import * as tf from '@tensorflow/tfjs';
import { pickImages, tfSeed, type Augmentation } from './augmentation.js';
import { denseWarp } from './dense-warp.js';

/** A normalised 1-D Gaussian of std `sigma`, truncated at 3σ (and at the image size). */
export function gaussianKernel(sigma: number, maxRadius: number): Float32Array {
  const r = Math.max(1, Math.min(maxRadius, Math.ceil(3 * sigma)));
  const k = Float32Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
}

/**
 * Elastic distortion as in Simard et al. (2003): uniform(−1, 1) displacements per pixel, smoothed by a
 * Gaussian of std `sigma` and scaled by `alpha` pixels, resample each picked image. As in the paper, smoothing
 * shrinks the field: displacements have a std of about alpha / (6·sigma) pixels, well below `alpha`.
 */
export const elastic: Augmentation<'elastic'> = (images, o, { rng, fillValue }) => {
  const [n, h, w] = images.shape;
  const picked = pickImages(n, o.p, rng);
  if (o.alpha === 0 || !picked.includes(true)) return images;
  const seed = tfSeed(rng);
  return tf.tidy(() => {
    const k = gaussianKernel(o.sigma, Math.max(h, w));
    // Separable blur: one depthwise pass along x, one along y, both flow channels at once.
    const kx = tf.tensor4d(k, [1, k.length, 1, 1]).tile([1, 1, 2, 1]) as tf.Tensor4D;
    const ky = tf.tensor4d(k, [k.length, 1, 1, 1]).tile([1, 1, 2, 1]) as tf.Tensor4D;
    const noise = tf.randomUniform([n, h, w, 2], -1, 1, 'float32', seed) as tf.Tensor4D;
    const smooth = tf.depthwiseConv2d(tf.depthwiseConv2d(noise, kx, 1, 'same'), ky, 1, 'same');
    const m = tf.tensor4d(picked.map((on) => (on ? o.alpha : 0)), [n, 1, 1, 1]);
    return denseWarp(images, tf.mul(smooth, m), fillValue);
  });
};
