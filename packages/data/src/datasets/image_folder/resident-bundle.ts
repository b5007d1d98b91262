// The batch source of image-classification datasets whose images fit in memory (mnist, image_folder): every
// split is one resident float32 tensor of [0,1] pixels plus one int32 label tensor, and a batch is a gather,
// the training augmentations and the normalisation — a handful of batched ops, nothing read from disk.
// (Shared by the mnist and image_folder types; it lives here because image_folder is the general one.)
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig, EvalVariantConfig } from '@xp/core';
import { applyAugment } from '../../augment/registry.js';
import { DataError } from '../../errors.js';
import { resolveVariants, VARIANT_SEED } from '../../eval-variants.js';
import { gatherRows } from '../../native-ops.js';
import { createRng, permutation, type Rng } from '../../rng.js';
import type { Batch, DataBundle, DatasetInfo } from '../dataset-type.js';

/** One split held on the backend. */
export interface ResidentSplit {
  /** [N,H,W,C] float32 pixels in [0,1]. */
  images: tf.Tensor4D;
  /** [N] int32 class ids. */
  labels: tf.Tensor1D;
}

/** Per-channel normalisation `(x − mean) / std` (one entry per channel, or one for all). */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** What {@link residentImageBundle} serves. */
export interface ResidentBundleOptions {
  /** `train`, `test` and optionally `val`; the bundle takes them over (its `dispose()` frees them). */
  splits: { train: ResidentSplit; val?: ResidentSplit; test: ResidentSplit };
  normalize: Normalization;
  /** Seeds the per-epoch shuffle and the training augmentations. */
  seed: number;
  augment: readonly AugmentConfig[];
  variants: readonly EvalVariantConfig[];
  /** Pixel value in [0,1] for areas an augmentation uncovers (the background). */
  fillValue: number;
  /** Everything of the info but `variants`, which the bundle fills from `variants`. */
  info: Omit<DatasetInfo, 'variants'>;
  preprocessing: Record<string, unknown>;
}

interface Plan {
  split: ResidentSplit;
  shuffleSeed?: number;
  augments?: { steps: readonly AugmentConfig[]; rng: (epoch: number, batch: number) => Rng };
}

/**
 * A {@link DataBundle} over resident splits. Only `train` is shuffled (seeded by epoch, so a resumed run sees the
 * same order) and augmented; each evaluation variant is the test split with its fixed perturbations.
 *
 * @example const data = residentImageBundle({ splits, normalize: { mean: [0.1307], std: [0.3081] }, seed: 42, … });
 */
export function residentImageBundle(o: ResidentBundleOptions): DataBundle {
  const variants = resolveVariants([...o.variants]);
  const plans = new Map<string, Plan>();
  const trainAug = { steps: o.augment, rng: (epoch: number, b: number) => createRng(o.seed, `augment/${epoch}/${b}`) };
  plans.set('train', { split: o.splits.train, shuffleSeed: o.seed, augments: o.augment.length ? trainAug : undefined });
  if (o.splits.val) plans.set('val', { split: o.splits.val });
  plans.set('test', { split: o.splits.test });
  for (const [name, steps] of variants) {
    // Not keyed by epoch: a variant is one fixed perturbed copy of the test split.
    plans.set(name, { split: o.splits.test, augments: { steps, rng: (_e, b) => createRng(VARIANT_SEED, `variant/${name}/${b}`) } });
  }
  const [, , , channels] = o.splits.train.images.shape;
  const mean = tf.tensor1d(broadcast(o.normalize.mean, channels));
  const std = tf.tensor1d(broadcast(o.normalize.std, channels));

  let disposed = false;
  const plan = (name: string) => {
    if (disposed) throw new DataError('XP_DATA_UNKNOWN_SPLIT', `the data bundle was disposed; prepare a new one to read '${name}'.`);
    const p = plans.get(name);
    if (p) return p;
    const hint = name === 'val' ? ' (validation is off: val_fraction is 0 and there is no val/ folder)' : '';
    throw new DataError('XP_DATA_UNKNOWN_SPLIT', `unknown split '${name}'${hint}; expected one of: ${[...plans.keys()].join(', ')}.`);
  };
  return {
    info: { ...o.info, variants: [...variants.keys()] },
    batches: (name, batchSize, epoch = 0) => {
      if (!(Number.isInteger(batchSize) && batchSize > 0)) {
        throw new DataError('XP_DATA_CONFIG_INVALID', `batch size must be a positive integer, got ${batchSize}.`);
      }
      return iterate(plan(name), batchSize, epoch, mean, std, o.fillValue);
    },
    count: (name) => plan(name).split.labels.shape[0],
    preprocessing: () => o.preprocessing,
    images: (name, rows) => tf.tidy(() => gatherRows(plan(name).split.images, tf.tensor1d(Int32Array.from(rows), 'int32'))),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      const { train, val, test } = o.splits;
      tf.dispose([train.images, train.labels, test.images, test.labels, mean, std, ...(val ? [val.images, val.labels] : [])]);
    },
  };
}

function broadcast(values: number[], channels: number): number[] {
  return values.length === 1 ? Array.from({ length: channels }, () => values[0]) : values;
}

function* iterate(p: Plan, batchSize: number, epoch: number, mean: tf.Tensor1D, std: tf.Tensor1D, fillValue: number): Generator<Batch> {
  const n = p.split.labels.shape[0];
  const order = p.shuffleSeed === undefined ? undefined : permutation(n, createRng(p.shuffleSeed, `shuffle/${epoch}`));
  for (let start = 0, b = 0; start < n; start += batchSize, b++) {
    const end = Math.min(n, start + batchSize);
    const rows = order ? order.subarray(start, end) : Int32Array.from({ length: end - start }, (_, i) => start + i);
    const ctx = p.augments && { rng: p.augments.rng(epoch, b), fillValue };
    yield tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      let x = gatherRows(p.split.images, idx);
      // Every augmentation sees the whole image: `scope: digit` and `canvas` mean the same for one-image examples.
      for (const step of p.augments?.steps ?? []) if (ctx) x = applyAugment(x, step, ctx);
      return { xs: tf.div(tf.sub(x, mean), std), ys: gatherRows(p.split.labels, idx) };
    });
  }
}
