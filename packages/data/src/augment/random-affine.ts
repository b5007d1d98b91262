import * as tf from '@tensorflow/tfjs';
import { projectiveTransform } from '../native-ops.js';
import { pickImages, type Augmentation } from './augmentation.js';

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0];
const RAD = Math.PI / 180;

/** One affine map about an image's centre: rotate, shear (x), scale, then translate (pixels). */
export interface AffineParams {
  rotation: number;
  shear: number;
  scale: number;
  tx: number;
  ty: number;
}

/**
 * The transform-op row that draws the image under `a`: the op maps output pixels to input points, so this is
 * the inverse of p ↦ c + t + R·Sh·S·(p − c), with c the centre of an h×w image.
 */
export function affineRow(a: AffineParams, h: number, w: number): number[] {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const cos = Math.cos(a.rotation * RAD);
  const sin = Math.sin(a.rotation * RAD);
  const k = Math.tan(a.shear * RAD);
  // Forward linear part M = R · [[1, k], [0, 1]] · s.
  const m00 = a.scale * cos;
  const m01 = a.scale * (cos * k - sin);
  const m10 = a.scale * sin;
  const m11 = a.scale * (sin * k + cos);
  const det = m00 * m11 - m01 * m10;
  const i00 = m11 / det;
  const i01 = -m01 / det;
  const i10 = -m10 / det;
  const i11 = m00 / det;
  const ox = cx + a.tx;
  const oy = cy + a.ty;
  return [i00, i01, cx - i00 * ox - i01 * oy, i10, i11, cy - i10 * ox - i11 * oy, 0, 0];
}

/**
 * Random rotation, shear, scale and translation of each picked image, as one projective transform per image
 * in a single batched op. The pipeline runs it per digit (`scope: digit`) or on the whole canvas.
 */
export const randomAffine: Augmentation<'random_affine'> = (images, o, { rng, fillValue }) => {
  const [n, h, w] = images.shape;
  const picked = pickImages(n, o.p, rng);
  if (!picked.includes(true)) return images;
  const rows = picked.flatMap((on) =>
    on
      ? affineRow(
          {
            rotation: rng.uniform(-o.rotation, o.rotation),
            shear: rng.uniform(-o.shear, o.shear),
            scale: rng.uniform(o.scale[0], o.scale[1]),
            tx: rng.uniform(-o.translate, o.translate) * w,
            ty: rng.uniform(-o.translate, o.translate) * h,
          },
          h,
          w,
        )
      : IDENTITY,
  );
  return tf.tidy(() => projectiveTransform(images, tf.tensor2d(rows, [n, 8]), { interpolation: 'bilinear', fillValue }));
};
