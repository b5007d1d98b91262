import * as tf from '@tensorflow/tfjs';
import { pickImages, type Augmentation } from './augmentation.js';

// Aspect ratios of the erased box, log-uniform as in Zhong et al. (2017), "Random Erasing Data Augmentation".
const MIN_ASPECT = 0.3;
const MAX_ASPECT = 1 / 0.3;

/** Fills one random rectangle of each picked image with the background. */
export const randomErasing: Augmentation<'random_erasing'> = (images, o, { rng, fillValue }) => {
  const [n, h, w] = images.shape;
  const picked = pickImages(n, o.p, rng);
  if (!picked.includes(true)) return images;
  // Per image [y0, y1, x0, x1); an empty box for images not picked.
  const boxes = new Int32Array(n * 4);
  picked.forEach((on, i) => {
    if (!on) return;
    const area = rng.uniform(o.area[0], o.area[1]) * h * w;
    const aspect = Math.exp(rng.uniform(Math.log(MIN_ASPECT), Math.log(MAX_ASPECT)));
    const bh = Math.min(h, Math.max(1, Math.round(Math.sqrt(area * aspect))));
    const bw = Math.min(w, Math.max(1, Math.round(Math.sqrt(area / aspect))));
    const y0 = rng.int(h - bh + 1);
    const x0 = rng.int(w - bw + 1);
    boxes.set([y0, y0 + bh, x0, x0 + bw], i * 4);
  });
  return tf.tidy(() => {
    const [y0, y1, x0, x1] = tf.unstack(tf.tensor2d(boxes, [n, 4], 'int32').reshape([n, 4, 1, 1]), 1);
    const ys = tf.range(0, h, 1, 'int32').reshape([1, h, 1]);
    const xs = tf.range(0, w, 1, 'int32').reshape([1, 1, w]);
    const inY = tf.logicalAnd(tf.greaterEqual(ys, y0), tf.less(ys, y1));
    const inX = tf.logicalAnd(tf.greaterEqual(xs, x0), tf.less(xs, x1));
    const box = tf.logicalAnd(inY, inX).expandDims(3);
    return tf.where(box, tf.fill(images.shape, fillValue), images);
  });
};
