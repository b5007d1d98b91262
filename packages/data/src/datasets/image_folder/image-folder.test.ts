import '../../../test/helpers.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as tfn from '@tensorflow/tfjs-node-gpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBatch, type DataBundle } from '../dataset-type.js';
import { datasetTypes } from '../registry.js';
import { imageFolderDataset, type ImageFolderConfig } from './index.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'xp-image-folder-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A PNG of one grey level (0–255), `channels` 1 or 3 (RGB given as [r,g,b]). */
async function png(file: string, h: number, w: number, value: number | [number, number, number]) {
  const rgb = Array.isArray(value);
  const px = tf.tidy(() => tf.fill([h, w, rgb ? 3 : 1], 1, 'int32').mul(tf.tensor1d(rgb ? value : [value], 'int32')) as tf.Tensor3D);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await tfn.node.encodePng(px));
  px.dispose();
}

/** Writes `files` (relative path → grey level) under a fresh folder; returns it. */
async function tree(name: string, files: Record<string, number | [number, number, number]>, size: [number, number] = [6, 6]) {
  const root = path.join(tmp, name);
  for (const [rel, v] of Object.entries(files)) await png(path.join(root, rel), size[0], size[1], v);
  return root;
}

const config = (root: string, o: Partial<ImageFolderConfig> = {}): ImageFolderConfig => ({
  type: 'image_folder',
  path: root,
  image: { height: 4, width: 4, channels: 1 },
  resize: 'pad',
  val_fraction: 0.25,
  test_fraction: 0.25,
  on_bad_file: 'error',
  max_images: 1000,
  max_memory_mb: 100,
  ...o,
});

const prepare = (c: ImageFolderConfig, seed = 1) => imageFolderDataset.prepare(c, { seed, augment: [], variants: [], baseDir: tmp });
const inspect = (c: ImageFolderConfig) => imageFolderDataset.inspect!(c, { baseDir: tmp });

function labelsOf(data: DataBundle, split: string): number[] {
  const out: number[] = [];
  for (const b of data.batches(split, 5)) {
    out.push(...b.ys.dataSync());
    disposeBatch(b);
  }
  return out;
}

/** Eight images per class folder, each class its own grey level. */
const eightEach = (classes: string[]) =>
  Object.fromEntries(classes.flatMap((c, k) => Array.from({ length: 8 }, (_, i) => [`${c}/${i}.png`, 40 * (k + 1)] as const)));

describe('image_folder: layouts and splits', () => {
  it('takes classes from sorted sub-folder names and carves seeded, stratified val/test splits', async () => {
    const root = await tree('classes', eightEach(['dog', 'cat', 'bird']));
    expect(await inspect(config(root))).toEqual([]);
    const data = await prepare(config(root));
    expect(data.info.target).toEqual({ kind: 'class', classes: ['bird', 'cat', 'dog'], trainCounts: [4, 4, 4] });
    expect([data.count('train'), data.count('val'), data.count('test')]).toEqual([12, 6, 6]);
    // Stratified: two of each class in val and in test.
    expect(labelsOf(data, 'val').sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(labelsOf(data, 'test').sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(data.info.input).toEqual({ kind: 'image', shape: [4, 4, 1] });
    expect(data.info.profile).toMatchObject({ layout: 'folders', train_count: 12 });
    const again = await prepare(config(root));
    const other = await prepare(config(root), 2);
    expect(again.info.digest).toBe(data.info.digest);
    expect(other.info.digest).not.toBe(data.info.digest);
    [data, again, other].forEach((d) => d.dispose());
  });

  it("hands inspect's decoded pixels to prepare when asked (xp run), which then decodes nothing again", async () => {
    const root = await tree('handover', eightEach(['a', 'b']));
    const kept: unknown[] = [];
    expect(await imageFolderDataset.inspect!(config(root), { baseDir: tmp, keep: (k) => kept.push(k) })).toEqual([]);
    expect(kept).toHaveLength(1);
    const decoded = kept[0] as Map<string, Float32Array>;
    expect(decoded.size).toBe(16);
    const plain = await prepare(config(root));
    const reused = await imageFolderDataset.prepare(config(root), { seed: 1, augment: [], variants: [], baseDir: tmp, inspected: decoded });
    // The same data, the same digest, and every kept image taken.
    expect(reused.info.digest).toBe(plain.info.digest);
    for (const split of ['train', 'val', 'test']) {
      const [a, b] = [plain, reused].map((d) => d.images!(split, [0, 1]));
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b]);
    }
    expect(decoded.size).toBe(0);
    // What prepare reads is the kept pixels: a kept image set to 0.5 everywhere is what the split holds.
    await imageFolderDataset.inspect!(config(root), { baseDir: tmp, keep: (k) => kept.push(k) });
    const marked = kept[1] as Map<string, Float32Array>;
    for (const px of marked.values()) px.fill(0.5);
    const fromMarked = await imageFolderDataset.prepare(config(root), { seed: 1, augment: [], variants: [], baseDir: tmp, inspected: marked });
    const img = fromMarked.images!('train', [0]);
    expect(new Set(img.dataSync())).toEqual(new Set([0.5]));
    img.dispose();
    // Without `keep` (xp validate) nothing is kept.
    await inspect(config(root));
    expect(kept).toHaveLength(2);
    [plain, reused, fromMarked].forEach((d) => d.dispose());
  });

  it('uses train/ val/ test/ folders when present, carving only the missing val from train', async () => {
    const root = await tree('splits', {
      ...Object.fromEntries(Object.entries(eightEach(['a', 'b'])).map(([k, v]) => [`train/${k}`, v])),
      'test/a/x.png': 40,
      'test/b/y.png': 80,
      'test/b/z.png': 80,
    });
    const data = await prepare(config(root));
    expect([data.count('train'), data.count('val'), data.count('test')]).toEqual([12, 4, 3]);
    expect(labelsOf(data, 'test')).toEqual([0, 1, 1]);
    expect(data.info.profile.layout).toBe('splits');
    data.dispose();
  });

  it('reads classes from a manifest CSV (header optional)', async () => {
    const root = await tree('manifest', Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`img/${i}.png`, i < 4 ? 10 : 200])));
    const rows = Array.from({ length: 8 }, (_, i) => `img/${i}.png,${i < 4 ? 'dark' : 'light'}`);
    await writeFile(path.join(root, 'labels.csv'), ['path,label', ...rows].join('\n'));
    const data = await prepare(config(root, { manifest: path.join(root, 'labels.csv'), val_fraction: 0 }));
    expect(data.info.target).toMatchObject({ kind: 'class', classes: ['dark', 'light'] });
    expect(data.count('train') + data.count('test')).toBe(8);
    expect(() => data.count('val')).toThrow(/validation is off/);
    data.dispose();
  });
});

describe('image_folder: decoding', () => {
  it('pads (whole image, black borders) or crops (centre) to the configured size', async () => {
    // 4×8 white images: pad → scaled to 2×4, rows 0 and 3 of the 4×4 black; crop → scaled to 3×6, centre 3×5 all white.
    const root = await tree('wide', { 'a/1.png': 255, 'b/1.png': 255, 'a/2.png': 255, 'b/2.png': 255 }, [4, 8]);
    const c = { val_fraction: 0, test_fraction: 0.5, normalize: { mean: [0], std: [1] } };
    const pad = await prepare(config(root, c));
    const padded = pad.images!('train', [0]);
    expect(padded.shape).toEqual([1, 4, 4, 1]);
    expect((padded.arraySync() as number[][][][])[0].map((row) => row.map((p) => Math.round(p[0])))).toEqual([
      [0, 0, 0, 0],
      [1, 1, 1, 1],
      [1, 1, 1, 1],
      [0, 0, 0, 0],
    ]);
    const crop = await prepare(config(root, { ...c, resize: 'crop', image: { height: 3, width: 5, channels: 3 } }));
    const cropped = crop.images!('train', [0]);
    expect(cropped.shape).toEqual([1, 3, 5, 3]);
    expect(Math.min(...cropped.dataSync())).toBeCloseTo(1, 5);
    tf.dispose([padded, cropped]);
    [pad, crop].forEach((d) => d.dispose());
  });

  it('converts RGB to luma for 1 channel, and reads JPEG, BMP and GIF too', async () => {
    const root = await tree('formats', { 'a/rgb.png': [255, 0, 0] });
    await writeFile(path.join(root, 'a', 'x.jpg'), await tfn.node.encodeJpeg(tf.fill([4, 4, 3], 128, 'int32') as tf.Tensor3D));
    await mkdir(path.join(root, 'b'));
    await writeFile(path.join(root, 'b', 'x.bmp'), bmp24(4, 4, [0, 255, 0]));
    // A 1×1 GIF whose one pixel is its transparent colour: TensorFlow decodes it as black.
    await writeFile(path.join(root, 'b', 'x.gif'), Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64'));
    const c = config(root, { val_fraction: 0, test_fraction: 0.5, normalize: { mean: [0], std: [1] }, image: { height: 2, width: 2, channels: 1 } });
    expect(await inspect(c)).toEqual([]);
    const data = await prepare(c);
    const all = [...Array(data.count('train')).keys()];
    const imgs = data.images!('train', all);
    // Every image decoded to a constant grey: GIF → 0, red → 0.299, 128/255, green → 0.587 (luma weights).
    const means = tf.tidy(() => Array.from(imgs.mean([1, 2, 3]).dataSync()));
    imgs.dispose();
    const test = data.images!('test', [...Array(data.count('test')).keys()]);
    const testMeans = tf.tidy(() => Array.from(test.mean([1, 2, 3]).dataSync()));
    test.dispose();
    const got = [...means, ...testMeans].sort().map((v) => Number(v.toFixed(2)));
    expect(got).toEqual([0, 0.3, 0.5, 0.59]);
    data.dispose();
  });

  it('fits mean/std on the training split only', async () => {
    // train pixels 0.2 and 0.6 (mean 0.4, std 0.2); the test images (all 1.0) must not move them.
    const root = await tree('norm', { 'train/a/1.png': 51, 'train/b/1.png': 153, 'test/a/1.png': 255, 'test/b/1.png': 255 });
    const data = await prepare(config(root, { val_fraction: 0, image: { height: 4, width: 4, channels: 3 } }));
    const { normalize } = data.preprocessing() as { normalize: { mean: number[]; std: number[] } };
    normalize.mean.forEach((m) => expect(m).toBeCloseTo(0.4, 4));
    normalize.std.forEach((s) => expect(s).toBeCloseTo(0.2, 4));
    const [b] = data.batches('test', 2);
    expect(Math.min(...b.xs.dataSync())).toBeCloseTo((1 - 0.4) / 0.2, 3);
    disposeBatch(b);
    data.dispose();
  });

  it('augments RGB training batches and serves every split with no tensor left behind', async () => {
    const root = await tree('leak', eightEach(['p', 'q']));
    const before = tf.memory().numTensors;
    const augment = [
      { type: 'gaussian_noise', p: 1, sigma: 0.1 },
      { type: 'random_erasing', p: 1, area: [0.1, 0.3] },
      { type: 'elastic', p: 1, scope: 'canvas', alpha: 4, sigma: 2 },
    ] as const;
    const c = config(root, { image: { height: 8, width: 8, channels: 3 } });
    const data = await imageFolderDataset.prepare(c, { seed: 3, augment: [...augment], variants: [{ type: 'noisy', sigma: 0.1 }], baseDir: tmp });
    for (const split of ['train', 'val', 'test', 'noisy']) {
      for (const b of data.batches(split, 3, 1)) {
        expect(b.xs.shape.slice(1)).toEqual([8, 8, 3]);
        disposeBatch(b);
      }
    }
    data.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('image_folder: bad input', () => {
  const corrupt = async (name: string) => {
    const root = await tree(name, eightEach(['a', 'b']));
    const bad = path.join(root, 'b', 'broken.png');
    await writeFile(bad, Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
    return { root, bad };
  };

  it('a corrupt image is an issue naming the file, or a skipped count with on_bad_file: skip', async () => {
    const { root, bad } = await corrupt('corrupt');
    expect(await inspect(config(root))).toEqual([{ file: bad, message: expect.stringMatching(/not a readable PNG, JPEG, BMP or GIF.*on_bad_file: skip/) }]);
    await expect(prepare(config(root))).rejects.toMatchObject({ code: 'XP_CONFIG_DATA_FILE', issues: [{ file: bad }] });
    expect(await inspect(config(root, { on_bad_file: 'skip' }))).toEqual([]);
    const data = await prepare(config(root, { on_bad_file: 'skip' }));
    expect(data.info.skipped).toBe(1);
    expect(data.count('train') + data.count('val') + data.count('test')).toBe(16);
    data.dispose();
  });

  it('reports each bad layout at its folder, file or manifest line', async () => {
    const missing = path.join(tmp, 'nope');
    expect(await inspect(config(missing))).toEqual([{ file: missing, message: expect.stringMatching(/no such folder/) }]);

    const one = await tree('one-class', { 'only/1.png': 1, 'only/2.png': 2 });
    expect(await inspect(config(one))).toEqual([{ file: one, message: expect.stringMatching(/found 1 class \(only\).*at least 2/) }]);

    const emptyClass = await tree('empty-class', eightEach(['a', 'b']));
    await mkdir(path.join(emptyClass, 'c'));
    await writeFile(path.join(emptyClass, 'c', 'notes.txt'), 'not an image');
    expect(await inspect(config(emptyClass))).toEqual([{ file: path.join(emptyClass, 'c'), message: expect.stringMatching(/class 'c' has no images/) }]);

    const strayVal = await tree('stray-val', { ...Object.fromEntries(Object.entries(eightEach(['a', 'b'])).map(([k, v]) => [`train/${k}`, v])), 'val/z/1.png': 1 });
    expect(await inspect(config(strayVal))).toEqual([{ file: path.join(strayVal, 'val', 'z'), message: expect.stringMatching(/in val\/ but not in train\//) }]);

    const tooMany = await tree('too-many', eightEach(['a', 'b']));
    expect(await inspect(config(tooMany, { max_images: 10 }))).toEqual([{ file: tooMany, message: expect.stringMatching(/16 images, more than data.max_images \(10\)/) }]);
    expect((await inspect(config(tooMany, { max_memory_mb: 1, image: { height: 256, width: 256, channels: 3 } })))[0].message).toMatch(/data.max_memory_mb/);

    const m = await tree('bad-manifest', { 'x/1.png': 1, 'x/2.png': 2 });
    const manifest = path.join(m, 'labels.csv');
    await writeFile(manifest, 'path,label\nx/1.png,a\nx/2.png,b,extra\nx/missing.png,b\n\nx/2.png,b\n');
    expect(await inspect(config(m, { manifest }))).toEqual([
      { file: manifest, line: 3, message: expect.stringMatching(/expected 2 values/) },
      { file: manifest, line: 4, message: expect.stringMatching(/'x\/missing.png' is not a file/) },
    ]);
    const gone = path.join(m, 'absent.csv');
    expect(await inspect(config(m, { manifest: gone }))).toEqual([{ file: gone, message: expect.stringMatching(/cannot read/) }]);
    // prepare refuses the same folders, naming the file.
    await expect(prepare(config(emptyClass))).rejects.toMatchObject({ code: 'XP_CONFIG_DATA_FILE', issues: [{ file: path.join(emptyClass, 'c') }] });
    await expect(prepare(config(m, { manifest }))).rejects.toMatchObject({ code: 'XP_CONFIG_DATA_FILE', issues: [{ file: manifest, line: 3 }, { file: manifest, line: 4 }] });
  });

  it('a class emptied by skipping is still an error', async () => {
    const root = await tree('all-bad', eightEach(['a']));
    await mkdir(path.join(root, 'b'));
    await writeFile(path.join(root, 'b', 'x.png'), 'garbage');
    expect(await inspect(config(root, { on_bad_file: 'skip' }))).toEqual([{ file: root, message: expect.stringMatching(/class 'b' has no readable images/) }]);
  });

  it('is the registry entry of data.type image_folder; its schema leaves `type` to the registry', () => {
    expect(datasetTypes.image_folder).toBe(imageFolderDataset);
    expect(Object.keys(imageFolderDataset.schema.properties)).not.toContain('type');
  });

  it('checks normalize lengths and fractions on the config alone', () => {
    const c = config('x', { image: { height: 4, width: 4, channels: 3 }, normalize: { mean: [0.5, 0.5], std: [0.2] }, val_fraction: 0.5, test_fraction: 0.45 });
    expect(imageFolderDataset.checks!(c, { augment: [] }).map((i) => i.pointer)).toEqual(['/data/normalize/mean', '/data/test_fraction']);
    expect(imageFolderDataset.inputShape!(c)).toEqual([4, 4, 3]);
  });
});

/** A bottom-up 24-bit BMP of one colour (tfjs-node has no BMP encoder; the format is a 54-byte header + rows). */
function bmp24(w: number, h: number, [r, g, b]: [number, number, number]): Buffer {
  const row = Math.ceil((w * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + row * h);
  buf.write('BM', 0);
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(row * h, 34);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) buf.set([b, g, r], 54 + y * row + x * 3);
  return buf;
}
