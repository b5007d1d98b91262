import { Type } from '@sinclair/typebox';
import { FloatRange, NonNegativeNumber, PositiveNumber, Probability, SafeName, StringOptions, Strict } from './fields.js';

const p = Probability({ description: 'Probability that a sample (or digit) gets this augmentation.', default: 1 });
const scope = StringOptions(['digit', 'canvas'] as const, {
  description: '`digit`: each digit before it is placed on the canvas (as the reference); `canvas`: the whole sequence image.',
  default: 'canvas',
});

/** Options of every registered augmentation, keyed by registry name. All run as batched tensor ops. */
export const AugmentSchemas = {
  random_affine: Strict(
    {
      p,
      scope,
      rotation: FloatRange(0, 180, { description: 'Max rotation in degrees (uniform ±).', default: 0 }),
      translate: FloatRange(0, 1, { description: 'Max shift as a fraction of the image size (uniform ±).', default: 0 }),
      scale: Type.Tuple([PositiveNumber({ description: 'min' }), PositiveNumber({ description: 'max' })], {
        description: 'Scale range [min, max].',
        default: [1, 1],
      }),
      shear: FloatRange(0, 60, { description: 'Max shear in degrees (uniform ±).', default: 0 }),
    },
    { description: 'Random rotation, translation, scale and shear (one projective transform per image).' },
  ),
  elastic: Strict(
    {
      p,
      scope,
      alpha: NonNegativeNumber({ description: 'Displacement magnitude in pixels.', default: 8 }),
      sigma: PositiveNumber({ description: 'Smoothness of the displacement field (Gaussian sigma, pixels).', default: 3 }),
    },
    { description: 'Elastic distortion (Simard et al. 2003).' },
  ),
  gaussian_noise: Strict(
    { p, sigma: NonNegativeNumber({ description: 'Noise std, in units of the [0,1] pixel range.', default: 0.1 }) },
    { description: 'Additive Gaussian pixel noise, clipped to the pixel range.' },
  ),
  random_erasing: Strict(
    {
      p,
      area: Type.Tuple([Probability({ description: 'min' }), Probability({ description: 'max' })], {
        description: 'Erased area as a fraction of the image [min, max].',
        default: [0.02, 0.15],
      }),
    },
    { description: 'Erase a random rectangle (cutout).' },
  ),
  invert: Strict({ p }, { description: 'Colour inversion (white digits become black on white).' }),
};

export type AugmentName = keyof typeof AugmentSchemas;

// Becomes the metric key suffix `test_<metric>/<name>`, so it must be a single safe path segment.
const variantName = Type.Optional(SafeName({ description: 'Metric suffix (letters, digits, _ - ., not starting with a dot). Defaults to the type.' }));

/** Perturbed copies of the test set, evaluated and logged as their own metrics. */
export const EvalVariantSchemas = {
  inverted: Strict({ name: variantName }, { description: 'Colour-inverted test images.' }),
  rotated: Strict(
    {
      name: variantName,
      degrees: FloatRange(0, 180, { description: 'Max rotation of each digit (uniform ±).', default: 30 }),
    },
    { description: 'Test digits rotated at random.' },
  ),
  noisy: Strict(
    {
      name: variantName,
      sigma: NonNegativeNumber({ description: 'Gaussian noise std in [0,1] pixel units.', default: 0.15 }),
    },
    { description: 'Test images with Gaussian noise.' },
  ),
  shifted: Strict(
    {
      name: variantName,
      translate: FloatRange(0, 1, { description: 'Max shift of each digit as a fraction of its size.', default: 0.15 }),
    },
    { description: 'Test digits shifted at random.' },
  ),
};

export type EvalVariantName = keyof typeof EvalVariantSchemas;
