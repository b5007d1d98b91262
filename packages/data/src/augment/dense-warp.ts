// Bilinear resampling along a per-pixel displacement field, built from one gather so it runs on every
// backend: TensorFlow core has no dense-warp op (tfa's lived in an addon), and the projective-transform op can
// move a whole image but not each pixel on its own.
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../native-ops.js';

/**
 * Samples `images` [N,H,W,C] at (x + flow_x, y + flow_y) for every output pixel (x, y), bilinearly; points
 * outside the image read `fillValue`. `flow` is [N,H,W,2] in pixels, channel 0 = x, channel 1 = y.
 *
 * @example denseWarp(images, tf.zerosLike(flow), 0) // the images unchanged
 */
export function denseWarp(images: tf.Tensor4D, flow: tf.Tensor4D, fillValue: number): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  return tf.tidy(() => {
    // A one-pixel border of fill, and sample points clamped onto it, stand in for per-corner bounds checks:
    // a point outside the image then reads fill, and one within a pixel of the edge blends pixel and fill,
    // as TensorFlow's constant fill mode does.
    const ph = h + 2;
    const pw = w + 2;
    const padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], fillValue).reshape([n * ph * pw, c]);
    const [fx, fy] = tf.unstack(flow, 3);
    const sx = tf.add(tf.clipByValue(tf.add(tf.range(0, w, 1, 'float32').reshape([1, 1, w]), fx), -1, w), 1);
    const sy = tf.add(tf.clipByValue(tf.add(tf.range(0, h, 1, 'float32').reshape([1, h, 1]), fy), -1, h), 1);
    const x0 = tf.floor(sx);
    const y0 = tf.floor(sy);
    const x1 = tf.minimum(tf.add(x0, 1), pw - 1);
    const y1 = tf.minimum(tf.add(y0, 1), ph - 1);
    // Flat row of each corner, in float32 (exact below 2^24 padded pixels per batch), gathered in one go.
    const base = tf.range(0, n * ph * pw, ph * pw, 'float32').reshape([n, 1, 1]);
    const at = (y: tf.Tensor, x: tf.Tensor) => tf.add(base, tf.add(tf.mul(y, pw), x));
    const idx = tf.stack([at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1)]).toInt();
    const [v00, v01, v10, v11] = tf.unstack(gatherRows(padded, idx.flatten()).reshape([4, n, h, w, c]));
    const wx = tf.sub(sx, x0).expandDims(3);
    const wy = tf.sub(sy, y0).expandDims(3);
    const top = tf.add(v00, tf.mul(tf.sub(v01, v00), wx));
    const bottom = tf.add(v10, tf.mul(tf.sub(v11, v10), wx));
    return tf.add(top, tf.mul(tf.sub(bottom, top), wy)) as tf.Tensor4D;
  });
}
