// Drawing a batch of sequences is a handful of batched ops on one resident digit tensor:
//   gather digits → digit-scope augmentations → blank slots to background → place in slots (with jitter)
//   → side-by-side canvas → canvas-scope augmentations → normalise.
// Augmentations see [0,1] pixels, so fills and clipping mean the same thing whatever the normalisation.
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '@xp/core';
import type { MnistSequencesConfig } from './schema.js';
import { applyAugment, isDigitScope } from '../../augment/registry.js';
import { DataError } from '../../errors.js';
import { DIGIT_SIZE, type DigitSet } from '../../mnist/mnist-source.js';
import { gatherRows, projectiveTransform } from '../../native-ops.js';
import type { Rng } from '../../rng.js';
import type { SequenceSet } from './sequence-synth.js';

/** Geometry and pixel statistics of the canvas each sequence is drawn on. */
export interface CanvasSpec {
  height: number;
  width: number;
  /** Pixels between neighbouring digit slots; slot i starts at x = i·(28 + spacing). */
  spacing: number;
  /** Background in [0,1]: blank slots and the canvas outside the digit boxes. */
  background: number;
  mean: number;
  std: number;
}

/** What {@link renderPixels} needs of a sequence set. */
export type SequenceLayout = Pick<SequenceSet, 'count' | 'maxLen' | 'digitIndex' | 'offsets'>;

/** Augmentations to apply while drawing, and where their randomness comes from. */
export interface RenderAugments {
  steps: readonly AugmentConfig[];
  rng: Rng;
}

/** The canvas spec of a data config; throws when `max_len` digits do not fit on the canvas. */
export function canvasSpec(data: Pick<MnistSequencesConfig, 'canvas' | 'max_len' | 'spacing' | 'background' | 'normalize'>): CanvasSpec {
  const { height, width } = data.canvas;
  const needed = data.max_len * DIGIT_SIZE + (data.max_len - 1) * data.spacing;
  if (height < DIGIT_SIZE) {
    throw new DataError('XP_DATA_CONFIG_INVALID', `data.canvas.height is ${height} but a digit is ${DIGIT_SIZE} px tall; use at least ${DIGIT_SIZE}.`);
  }
  if (width < needed) {
    throw new DataError(
      'XP_DATA_CONFIG_INVALID',
      `data.canvas.width is ${width} but ${data.max_len} digits of ${DIGIT_SIZE} px with spacing ${data.spacing} need ${needed}; ` +
        `widen the canvas, lower data.max_len or data.spacing.`,
    );
  }
  const { mean, std } = data.normalize;
  return { height, width, spacing: data.spacing, background: data.background / 255, mean, std };
}

/** All digits of a split as one float32 tensor [N,28,28] in [0,1], to keep on the backend. */
export function digitsTensor(set: DigitSet): tf.Tensor3D {
  const f = new Float32Array(set.images.length);
  for (let i = 0; i < f.length; i++) f[i] = set.images[i] / 255;
  return tf.tensor3d(f, [set.count, DIGIT_SIZE, DIGIT_SIZE]);
}

/** Draws sequences as [B,H,W,1] pixels in [0,1], before normalisation. `digits` is from {@link digitsTensor}. */
export function renderPixels(digits: tf.Tensor3D, seqs: SequenceLayout, spec: CanvasSpec, augments?: RenderAugments): tf.Tensor4D {
  const { count: b, maxLen: l } = seqs;
  const n = b * l;
  const idx = new Int32Array(n);
  const used = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    idx[k] = Math.max(0, seqs.digitIndex[k]);
    used[k] = seqs.digitIndex[k] >= 0 ? 1 : 0;
  }
  const bg = spec.background;
  const ctx = augments && { rng: augments.rng, fillValue: bg };
  return tf.tidy(() => {
    let d = gatherRows(digits, tf.tensor1d(idx, 'int32')).expandDims(3) as tf.Tensor4D;
    for (const step of augments?.steps ?? []) if (ctx && isDigitScope(step)) d = applyAugment(d, step, ctx);
    // Blanks become background after the digit augmentations, so no augmentation can leave a trace in them.
    const m = tf.tensor4d(used, [n, 1, 1, 1]);
    d = tf.add(tf.mul(d, m), tf.mul(tf.sub(1, m), bg));
    const slotW = DIGIT_SIZE + spec.spacing;
    const frames = placeInSlots(d, seqs.offsets, spec.height, slotW, bg);
    // [B·L, H, slotW] → [B, H, L·slotW]: slot i lands at x = i·slotW.
    let canvas = frames.reshape([b, l, spec.height, slotW]).transpose([0, 2, 1, 3]).reshape([b, spec.height, l * slotW]);
    const extra = spec.width - l * slotW;
    canvas = extra >= 0 ? tf.pad(canvas, [[0, 0], [0, 0], [0, extra]], bg) : canvas.slice([0, 0, 0], [b, spec.height, spec.width]);
    let out = canvas.expandDims(3) as tf.Tensor4D;
    for (const step of augments?.steps ?? []) if (ctx && !isDigitScope(step)) out = applyAugment(out, step, ctx);
    return out;
  });
}

/** Draws sequences as the model's input: {@link renderPixels}, then `(x − mean) / std`. */
export function renderCanvas(digits: tf.Tensor3D, seqs: SequenceLayout, spec: CanvasSpec, augments?: RenderAugments): tf.Tensor4D {
  return tf.tidy(() => normalizePixels(renderPixels(digits, seqs, spec, augments), spec));
}

/** `(x − mean) / std`, the normalisation the model sees. */
export function normalizePixels(pixels: tf.Tensor4D, spec: CanvasSpec): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(pixels, spec.mean), spec.std));
}

// Each 28×28 digit goes into an H × slotW frame, vertically centred, shifted by its jitter. Integer shifts
// with nearest sampling copy pixels exactly; without jitter a pad does the same more cheaply.
function placeInSlots(d: tf.Tensor4D, offsets: Int16Array, height: number, slotW: number, bg: number): tf.Tensor4D {
  const y0 = Math.floor((height - DIGIT_SIZE) / 2);
  const n = d.shape[0];
  if (!offsets.some((v) => v !== 0)) {
    return tf.pad(d, [[0, 0], [y0, height - DIGIT_SIZE - y0], [0, slotW - DIGIT_SIZE], [0, 0]], bg);
  }
  const rows = new Float32Array(n * 8);
  for (let k = 0; k < n; k++) rows.set([1, 0, -offsets[2 * k], 0, 1, -(y0 + offsets[2 * k + 1]), 0, 0], k * 8);
  return projectiveTransform(d, tf.tensor2d(rows, [n, 8]), { interpolation: 'nearest', fillValue: bg, outputShape: [height, slotW] });
}
