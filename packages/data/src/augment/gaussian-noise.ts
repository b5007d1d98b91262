import * as tf from '@tensorflow/tfjs';
import { pickImages, tfSeed, type Augmentation } from './augmentation.js';

/** Adds N(0, sigma²) noise to each picked image, clipped back to [0, 1]. */
export const gaussianNoise: Augmentation<'gaussian_noise'> = (images, o, { rng }) => {
  const picked = pickImages(images.shape[0], o.p, rng);
  if (o.sigma === 0 || !picked.includes(true)) return images;
  const seed = tfSeed(rng);
  return tf.tidy(() => {
    const m = tf.tensor4d(picked.map(Number), [picked.length, 1, 1, 1]);
    // Seeded noise is drawn in JS by tfjs, identically on every backend.
    const noise = tf.randomNormal(images.shape, 0, o.sigma, 'float32', seed);
    return tf.clipByValue(tf.add(images, tf.mul(noise, m)), 0, 1) as tf.Tensor4D;
  });
};
