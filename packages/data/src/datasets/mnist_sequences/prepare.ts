// The trainer's view of the data: sequences are synthesised up front as index arrays, and each batch is
// drawn on demand from one resident digit tensor per MNIST split. Nothing but the digit tensors outlives a
// batch, so memory stays flat however many epochs run.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig, EvalVariantConfig } from '@xp/core';
import { canvasSpec, digitsTensor, renderCanvas, type CanvasSpec, type RenderAugments } from './canvas-render.js';
import { DataError } from '../../errors.js';
import { resolveVariants, VARIANT_SEED } from '../../eval-variants.js';
import { describeSource, loadMnist, type MnistDigits } from '../../mnist/mnist-source.js';
import { createRng, permutation, type Rng } from '../../rng.js';
import { BLANK, digestSequences, NUM_CLASSES, selectSequences, synthesizeSequences, type SequenceSet } from './sequence-synth.js';
import { splitDigits } from '../../splits.js';
import type { Batch, DataBundle, DatasetInfo, SplitInfo } from '../dataset-type.js';
import { checkMnistSequences } from './checks.js';
import type { MnistSequencesConfig } from './schema.js';

/** Seed of the test sequences: fixed, so every run (whatever its seed) is scored on the same sequences. */
export const TEST_SEED = 0;

/**
 * The sequence dataset's bundle: a {@link DataBundle} whose batches carry `extras.lengths` (digits per
 * sequence, int32 [B]) and `ys` int32 [B, max_len] (10 = blank).
 */
export interface SequenceBundle extends DataBundle {
  /** The sequences of `split` (of `epoch` for a re-sampled train split), e.g. to label plots. */
  sequences(split: string, epoch?: number): SequenceSet;
}

/** Class names of one position: the digits, then the blank. */
export const SEQUENCE_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'blank'];

/** Extras of {@link createDataBundle}. */
export interface DataBundleOptions {
  /** `evaluation.variants`, to serve as extra splits. Defaults to none. */
  variants?: EvalVariantConfig[];
  /** Cache of a `url` source when its config names none. */
  cacheDir?: string;
  /** Already loaded digits (tests, repeated bundles); skips loading. */
  mnist?: MnistDigits;
  /**
   * `mnist`'s digits already made tensors ({@link prepareDigits}), e.g. by a process that prepared them
   * before its experiment arrived. The bundle takes them over: its `dispose()` disposes them.
   */
  digits?: DigitTensors;
}

/** The digit images of both MNIST sets as [N, 28, 28] tensors in [0, 1]. */
export interface DigitTensors {
  train: tf.Tensor3D;
  test: tf.Tensor3D;
}

/** Makes the digit tensors of `mnist` for {@link createDataBundle}'s `digits` (the caller owns them until then). */
export function prepareDigits(mnist: MnistDigits): DigitTensors {
  return { train: digitsTensor(mnist.train), test: digitsTensor(mnist.test) };
}

interface SplitPlan {
  set: (epoch: number) => SequenceSet;
  digits: tf.Tensor3D;
  /** Seed of the per-epoch shuffle; unset = keep the order. */
  shuffleSeed?: number;
  augments?: { steps: readonly AugmentConfig[]; rng: (epoch: number, batch: number) => Rng };
}

/**
 * Builds train/val/test sequences and the batch source over them. Train and val draw from disjoint MNIST
 * training digits (split by `val_fraction`); test draws only from MNIST test digits.
 *
 * @example const data = await createDataBundle(config.data, config.augment, config.seed, { variants: config.evaluation.variants });
 */
export async function createDataBundle(
  config: MnistSequencesConfig,
  augment: readonly AugmentConfig[],
  seed: number,
  opts: DataBundleOptions = {},
): Promise<SequenceBundle> {
  const spec = canvasSpec(config);
  const variants = resolveVariants(opts.variants ?? []);
  // The config check (checks.ts) reports this at the option; a direct caller still gets a clear error.
  const [valDigitsProblem] = checkMnistSequences(config).filter((i) => i.pointer === '/data/val_fraction');
  if (valDigitsProblem) throw new DataError('XP_DATA_CONFIG_INVALID', valDigitsProblem.message);
  if (opts.digits && (!opts.mnist || opts.digits.train.shape[0] !== opts.mnist.train.count || opts.digits.test.shape[0] !== opts.mnist.test.count)) {
    throw new DataError('XP_DATA_CONFIG_INVALID', 'createDataBundle: `digits` must be the tensors of the `mnist` passed with them (prepareDigits(mnist)).');
  }
  const mnist = opts.mnist ?? (await loadMnist(config.source, { cacheDir: opts.cacheDir }));
  const split = splitDigits(mnist.train.count, config.val_fraction, createRng(seed, 'split'));
  const { min_len: minLen, max_len: maxLen, jitter } = config;
  const synth = (pool: Int32Array, digitLabels: Uint8Array, count: number, s: number, stream: string) =>
    synthesizeSequences({ digitLabels, pool, count, minLen, maxLen, jitter, rng: createRng(s, stream) });

  const trainSets = new Map<number, SequenceSet>();
  const trainSet = (epoch: number) => {
    const key = config.train.resample_each_epoch ? epoch : 0;
    let set = trainSets.get(key);
    if (!set) {
      set = synth(split.train, mnist.train.labels, config.train.count, seed, config.train.resample_each_epoch ? `train/epoch-${key}` : 'train');
      trainSets.clear(); // only the current epoch is ever needed again
      trainSets.set(key, set);
    }
    return set;
  };
  const valSet = config.val.count > 0 ? synth(split.val, mnist.train.labels, config.val.count, seed, 'val') : undefined;
  const allTest = new Int32Array(mnist.test.count).map((_, i) => i);
  const testSet = synth(allTest, mnist.test.labels, config.test.count, TEST_SEED, 'test');

  const { train: trainDigits, test: testDigits } = opts.digits ?? prepareDigits(mnist);
  const plans = new Map<string, SplitPlan>();
  const trainAug = { steps: augment, rng: (epoch: number, b: number) => createRng(seed, `augment/${epoch}/${b}`) };
  plans.set('train', { set: trainSet, digits: trainDigits, shuffleSeed: seed, augments: augment.length ? trainAug : undefined });
  if (valSet) plans.set('val', { set: () => valSet, digits: trainDigits });
  plans.set('test', { set: () => testSet, digits: testDigits });
  for (const [name, steps] of variants) {
    // Not keyed by epoch: a variant is one fixed perturbed copy of the test set.
    const rng = (_epoch: number, b: number) => createRng(VARIANT_SEED, `variant/${name}/${b}`);
    plans.set(name, { set: () => testSet, digits: testDigits, augments: { steps, rng } });
  }

  const splitInfo = (set: SequenceSet, digits: number): SplitInfo => ({ count: set.count, digest: digestSequences(set), profile: { digits } });
  const info = describeBundle(config, spec, [...variants.keys()], {
    train: splitInfo(trainSet(0), split.train.length),
    ...(valSet && { val: splitInfo(valSet, split.val.length) }),
    test: splitInfo(testSet, mnist.test.count),
  });

  let disposed = false;
  const plan = (name: string) => {
    if (disposed) throw new DataError('XP_DATA_UNKNOWN_SPLIT', `the data bundle was disposed; create a new one to read '${name}'.`);
    const p = plans.get(name);
    if (p) return p;
    const hint =
      name === 'val' ? ' (validation is off: data.val.count is 0)' : ' (an evaluation variant must be passed in `variants` to createDataBundle)';
    throw new DataError('XP_DATA_UNKNOWN_SPLIT', `unknown split '${name}'${hint}; expected one of: ${[...plans.keys()].join(', ')}.`);
  };
  return {
    info,
    batches: (name, batchSize, epoch = 0) => {
      if (!(Number.isInteger(batchSize) && batchSize > 0)) {
        throw new DataError('XP_DATA_CONFIG_INVALID', `batch size must be a positive integer, got ${batchSize}.`);
      }
      return iterateBatches(plan(name), spec, batchSize, epoch);
    },
    count: (name) => plan(name).set(0).count,
    sequences: (name, epoch = 0) => plan(name).set(epoch),
    preprocessing: () => ({
      kind: 'image',
      image: { height: spec.height, width: spec.width, channels: 1 },
      normalize: { mean: spec.mean, std: spec.std },
      // How a new image is brought to the canvas: digits are drawn from the left edge, vertically centred, on
      // the background; so an image of fewer digits is scaled to fit and padded on the right.
      resize: 'pad',
      align: 'left',
      background: spec.background,
      sequence: { positions: config.max_len, classes: SEQUENCE_CLASSES, blank: BLANK },
    }),
    dispose: () => {
      disposed = true;
      tf.dispose([trainDigits, testDigits]);
    },
  };
}

function describeBundle(config: MnistSequencesConfig, spec: CanvasSpec, variants: string[], splits: DatasetInfo['splits']): DatasetInfo {
  const perSplit = Object.entries(splits).flatMap(([k, s]) => [
    [`${k}_sequences`, s.count],
    [`${k}_digits`, s.profile?.digits],
    [`${k}_digest`, s.digest],
  ]);
  return {
    name: config.type,
    digest: createHash('sha256').update(JSON.stringify({ splits, spec })).digest('hex').slice(0, 32),
    source: describeSource(config.source),
    profile: {
      ...Object.fromEntries(perSplit),
      min_len: config.min_len,
      max_len: config.max_len,
      canvas: [spec.height, spec.width],
      resample_each_epoch: config.train.resample_each_epoch,
    },
    input: { kind: 'image', shape: [spec.height, spec.width, 1] },
    target: { kind: 'sequence', classes: SEQUENCE_CLASSES.slice(0, NUM_CLASSES), positions: config.max_len, blank: BLANK },
    splits,
    variants,
    skipped: 0,
  };
}

function* iterateBatches(p: SplitPlan, spec: CanvasSpec, batchSize: number, epoch: number): Generator<Batch> {
  const set = p.set(epoch);
  // Seeded by the epoch, so a resumed run sees the same order it would have seen.
  const order = p.shuffleSeed === undefined ? undefined : permutation(set.count, createRng(p.shuffleSeed, `shuffle/${epoch}`));
  for (let start = 0, b = 0; start < set.count; start += batchSize, b++) {
    const end = Math.min(set.count, start + batchSize);
    const rows = order ? order.subarray(start, end) : Int32Array.from({ length: end - start }, (_, i) => start + i);
    const sub = selectSequences(set, rows);
    const aug: RenderAugments | undefined = p.augments && { steps: p.augments.steps, rng: p.augments.rng(epoch, b) };
    yield {
      xs: renderCanvas(p.digits, sub, spec, aug),
      ys: tf.tensor2d(sub.labels, [sub.count, sub.maxLen], 'int32'),
      extras: { lengths: tf.tensor1d(sub.lengths, 'int32') },
    };
  }
}
