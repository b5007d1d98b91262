// `type: image_folder` — your own images: one sub-folder per class (or train/ val/ test/ folders of those, or a
// `path,label` manifest), decoded once by TensorFlow's native decoders into resident tensors; batches are
// slices of those. Normalisation is fitted on the training split only, unless given.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CheckIssue } from '@xp/core';
import type { DataIssue, DatasetType, InspectContext, PrepareContext, SplitInfo } from '../dataset-type.js';
import { DataFileError } from '../../errors.js';
import { decodePixels, loadDecoders, type ImageSpec } from './decode.js';
import { discover, type Discovery, type ImageEntry, type SplitName } from './discover.js';
import { residentImageBundle, type Normalization, type ResidentSplit } from './resident-bundle.js';
import { ImageFolderSchema, type ImageFolderConfig } from './schema.js';

export { ImageFolderSchema, type ImageFolderConfig } from './schema.js';
export { IMAGE_EXTENSIONS } from './discover.js';
export { residentImageBundle, type Normalization, type ResidentBundleOptions, type ResidentSplit } from './resident-bundle.js';

// Inspect has no seed; the split does not change which files are bad, so any fixed one serves.
const INSPECT_SEED = 0;

function checks(config: ImageFolderConfig): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const c = config.image.channels;
  for (const key of ['mean', 'std'] as const) {
    const n = config.normalize?.[key].length;
    if (n !== undefined && n !== 1 && n !== c) {
      issues.push({ pointer: `/data/normalize/${key}`, message: `data.normalize.${key} has ${n} values but images have ${c} channel${c > 1 ? 's' : ''}; give 1 or ${c}.` });
    }
  }
  if (config.val_fraction + config.test_fraction >= 0.9) {
    issues.push({ pointer: '/data/test_fraction', message: `data.val_fraction + data.test_fraction is ${config.val_fraction + config.test_fraction}; leave at least 10 % of the images for training.` });
  }
  return issues;
}

const specOf = (config: ImageFolderConfig): ImageSpec => ({ ...config.image, resize: config.resize });

/**
 * The pixels of the files `inspect` decoded, by path, handed to `prepare` in the same run (`xp run`), which takes
 * each once instead of decoding every image a second time.
 */
type Decoded = Map<string, Float32Array>;

/** Every file that does not decode, as issues; the folder's own issues first. */
async function inspect(config: ImageFolderConfig, ctx: InspectContext): Promise<DataIssue[]> {
  const found = await discover(config, ctx.baseDir, INSPECT_SEED);
  if (found.issues.length) return found.issues;
  const decoders = await loadDecoders();
  const issues: DataIssue[] = [];
  const bad = new Set<string>();
  const decoded: Decoded | undefined = ctx.keep ? new Map() : undefined;
  for (const e of allEntries(found)) {
    const why = await tryDecode(decoders, e.file, specOf(config), (pixels) => decoded?.set(e.file, pixels));
    if (why === undefined) continue;
    bad.add(e.file);
    if (config.on_bad_file === 'error') issues.push({ file: e.file, message: `${why} Fix or remove the file, or set data.on_bad_file: skip.` });
  }
  if (config.on_bad_file === 'skip') {
    // Skipping may empty a class: that is still an error.
    for (const [label, name] of found.classes.entries()) {
      if (!allEntries(found).some((e) => e.label === label && !bad.has(e.file))) {
        issues.push({ file: found.root, message: `class '${name}' has no readable images once the unreadable ones are skipped.` });
      }
    }
  }
  if (decoded && issues.length === 0) ctx.keep?.(decoded);
  return issues;
}

const allEntries = (d: Discovery) => [...d.splits.train, ...d.splits.val, ...d.splits.test];

async function tryDecode(decoders: Awaited<ReturnType<typeof loadDecoders>>, file: string, spec: ImageSpec, onPixels: (pixels: Float32Array) => void): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    return `cannot read this file (${(e as NodeJS.ErrnoException).code ?? String(e)}).`;
  }
  let pixels: Float32Array;
  try {
    pixels = decodePixels(decoders, bytes, spec);
  } catch (e) {
    return `not a readable PNG, JPEG, BMP or GIF image (${firstLine(e)}).`;
  }
  onPixels(pixels);
  return undefined;
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 200);

/**
 * One split decoded into a resident tensor (taking the pixels `inspect` already decoded out of `decoded`); bad
 * files are skipped (counted) or thrown, as configured.
 */
async function decodeSplit(entries: ImageEntry[], config: ImageFolderConfig, root: string, hash: ReturnType<typeof createHash>, decoded: Decoded | undefined) {
  const decoders = await loadDecoders();
  const spec = specOf(config);
  const size = spec.height * spec.width * spec.channels;
  const pixels = new Float32Array(entries.length * size);
  const labels: number[] = [];
  let skipped = 0;
  for (const e of entries) {
    let img: Float32Array;
    try {
      const bytes = await readFile(e.file);
      const kept = decoded?.get(e.file);
      decoded?.delete(e.file);
      img = kept ?? decodePixels(decoders, bytes, spec);
      // The digest follows the contents, not just the names: an edited image is a different dataset.
      hash.update(path.relative(root, e.file)).update(String(e.label)).update(bytes);
    } catch (err) {
      if (config.on_bad_file === 'skip') {
        skipped++;
        continue;
      }
      const message = `not a readable PNG, JPEG, BMP or GIF image (${firstLine(err)}). Fix or remove the file, or set data.on_bad_file: skip.`;
      throw new DataFileError([{ file: e.file, message }], { cause: err });
    }
    pixels.set(img, labels.length * size);
    labels.push(e.label);
  }
  const n = labels.length;
  const split: ResidentSplit = {
    images: tf.tensor4d(pixels.subarray(0, n * size), [n, spec.height, spec.width, spec.channels]),
    labels: tf.tensor1d(labels, 'int32'),
  };
  return { split, skipped };
}

/** Per-channel mean and std of the training pixels (std floored, so a constant channel divides by 1). */
function fitNormalization(train: tf.Tensor4D): Normalization {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(train, [0, 1, 2]);
    const m = Array.from(mean.dataSync());
    const s = Array.from(tf.sqrt(variance).dataSync()).map((v) => (v > 1e-6 ? v : 1));
    return { mean: m, std: s };
  });
}

async function prepare(config: ImageFolderConfig, ctx: PrepareContext) {
  const found = await discover(config, ctx.baseDir, ctx.seed);
  if (found.issues.length) throw new DataFileError(found.issues);
  const splits: Partial<Record<SplitName, ResidentSplit>> = {};
  const info: Record<string, SplitInfo> = {};
  let skipped = 0;
  try {
    for (const s of ['train', 'val', 'test'] as const) {
      if (found.splits[s].length === 0) continue;
      const hash = createHash('sha256');
      const out = await decodeSplit(found.splits[s], config, found.root, hash, ctx.inspected instanceof Map ? (ctx.inspected as Decoded) : undefined);
      splits[s] = out.split;
      skipped += out.skipped;
      const counts = new Array<number>(found.classes.length).fill(0);
      for (const l of out.split.labels.dataSync()) counts[l]++;
      info[s] = { count: out.split.labels.shape[0], digest: hash.digest('hex').slice(0, 16), profile: { class_counts: counts } };
    }
    if (!splits.train?.labels.shape[0] || !splits.test?.labels.shape[0]) {
      const message = `no readable images left in the ${splits.train?.labels.shape[0] ? 'test' : 'training'} split after skipping ${skipped} unreadable file(s).`;
      throw new DataFileError([{ file: found.root, message }]);
    }
  } catch (e) {
    tf.dispose(Object.values(splits).flatMap((s) => [s.images, s.labels]));
    throw e;
  }
  if (skipped) ctx.log?.(`image_folder: skipped ${skipped} unreadable file(s) (data.on_bad_file: skip)`);
  const normalize = config.normalize ? { mean: [...config.normalize.mean], std: [...config.normalize.std] } : fitNormalization(splits.train!.images);
  const { height, width, channels } = config.image;
  const preprocessing = { type: 'image_folder', image: { height, width, channels }, resize: config.resize, normalize, classes: found.classes };
  const digest = createHash('sha256')
    .update(JSON.stringify({ splits: Object.entries(info).map(([k, s]) => [k, s.count, s.digest]), preprocessing }))
    .digest('hex')
    .slice(0, 32);
  return residentImageBundle({
    splits: { train: splits.train!, val: splits.val, test: splits.test! },
    normalize,
    seed: ctx.seed,
    augment: ctx.augment,
    variants: ctx.variants,
    fillValue: 0,
    preprocessing,
    info: {
      name: 'image_folder',
      digest,
      source: found.root,
      profile: {
        ...Object.fromEntries(Object.entries(info).flatMap(([k, s]) => [[`${k}_count`, s.count], [`${k}_digest`, s.digest]])),
        layout: found.layout,
        classes: found.classes,
        image: [height, width, channels],
        resize: config.resize,
        normalize_mean: normalize.mean,
        normalize_std: normalize.std,
        skipped,
      },
      input: { kind: 'image', shape: [height, width, channels] },
      target: { kind: 'class', classes: found.classes, trainCounts: info.train.profile?.class_counts as number[] },
      splits: info,
      skipped,
    },
  });
}

/** The `image_folder` dataset type. */
export const imageFolderDataset: DatasetType<ImageFolderConfig> = {
  schema: ImageFolderSchema,
  checks,
  inputShape: (c) => [c.image.height, c.image.width, c.image.channels],
  inspect,
  prepare,
};
