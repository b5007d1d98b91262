import * as tf from '@tensorflow/tfjs';
import { pickImages, type Augmentation } from './augmentation.js';

/** Colour inversion x → 1 − x of each picked image. */
export const invert: Augmentation<'invert'> = (images, o, { rng }) => {
  const picked = pickImages(images.shape[0], o.p, rng);
  if (!picked.includes(true)) return images;
  return tf.tidy(() => {
    const m = tf.tensor4d(picked.map(Number), [picked.length, 1, 1, 1]);
    // x + m(1 − 2x): 1 − x where m = 1, x where m = 0, in one fused expression.
    return tf.add(images, tf.mul(m, tf.sub(1, tf.mul(2, images))));
  });
};
