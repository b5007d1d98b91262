// The Predictor on small models saved as `xp run` saves them: images of other sizes and colours are fitted and
// normalised as training fed them, rows are encoded by the table's encoders, and bad input is a ModelInputError
// naming the offending item. Native backend (the image decoders are TensorFlow's).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfn from '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../run/model-artifact.js';
import { ModelInputError } from './errors.js';
import { loadPredictor, type Predictor } from './predictor.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-predictor-'));
const MEAN = 0.2;
const STD = 0.5;
const BG = 0.1;

/** A PNG of `px` (uint8, [h, w, c]). */
async function png(px: number[][][]): Promise<Uint8Array> {
  const t = tf.tensor3d(px, undefined, 'int32');
  const bytes = await tfn.node.encodePng(t);
  t.dispose();
  return bytes;
}

/** `px` scaled up `k` times by repeating pixels. */
const upscale = (px: number[][][], k: number) => px.flatMap((row) => Array.from({ length: k }, () => row.flatMap((p) => Array.from({ length: k }, () => p))));

/** Catches what `fn` throws. */
async function thrown(fn: () => Promise<unknown>): Promise<ModelInputError> {
  try {
    await fn();
  } catch (e) {
    return e as ModelInputError;
  }
  throw new Error('expected a throw');
}

async function writeModel(dir: string, model: tf.LayersModel, preprocessing: Record<string, unknown>) {
  await saveModel(model, dir);
  fs.writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify(preprocessing));
  model.dispose();
}

let image: Predictor;
let table: Predictor;
// A 4×8 gray image: pixel (y, x) = 10·y + 20·x.
const small = Array.from({ length: 4 }, (_, y) => Array.from({ length: 8 }, (_, x) => [10 * y + 20 * x]));

beforeAll(async () => {
  await tf.setBackend('tensorflow');
  // Image model: input [4, 8, 1]; logits [Σx, −Σx] of the normalised pixels, so the class says the sign.
  const input = tf.input({ shape: [4, 8, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 2, useBias: false, kernelInitializer: 'zeros' });
  const imgModel = tf.model({ inputs: input, outputs: dense.apply(flat) as tf.SymbolicTensor });
  dense.setWeights([tf.concat([tf.ones([32, 1]), tf.fill([32, 1], -1)], 1)]);
  await writeModel(path.join(tmp, 'image'), imgModel, {
    task: 'classification', target: { kind: 'class', classes: ['bright', 'dark'] }, input: { kind: 'image', shape: [4, 8, 1] },
    type: 'image_folder', image: { height: 4, width: 8, channels: 1 }, resize: 'pad', align: 'left', background: BG, normalize: { mean: [MEAN], std: [STD] }, classes: ['bright', 'dark'],
  });
  // Table model: encoded [x, c=a, c=b, c=<unseen>] → logits = [x, c=b].
  const tin = tf.input({ shape: [4] });
  const tdense = tf.layers.dense({ units: 2, useBias: false });
  const tabModel = tf.model({ inputs: tin, outputs: tdense.apply(tin) as tf.SymbolicTensor });
  tdense.setWeights([tf.tensor2d([[1, 0], [0, 0], [0, 5], [0, 0]])]);
  await writeModel(path.join(tmp, 'table'), tabModel, {
    task: 'classification', input: { kind: 'vector', shape: [4], columns: ['x', 'c=a', 'c=b', 'c=<unseen>'] },
    type: 'table', version: 1, missing: 'mean', na_values: ['', 'NA'],
    columns: [{ name: 'x', kind: 'numeric', mean: 10, std: 2, fill: 10 }, { name: 'c', kind: 'categorical', vocabulary: ['a', 'b'], fill: 'a' }],
    encoded: ['x', 'c=a', 'c=b', 'c=<unseen>'],
    target: { name: 'label', kind: 'categorical', classes: ['pos', 'b-ish'] },
  });
  image = await loadPredictor(path.join(tmp, 'image'));
  table = await loadPredictor(path.join(tmp, 'table'));
});

afterAll(() => {
  image?.dispose();
  table?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Predictor: images', () => {
  it('describes the model', () => {
    expect(image.info).toMatchObject({ task: 'classification', input: { kind: 'image', shape: [4, 8, 1] }, classes: ['bright', 'dark'] });
    expect(table.info.input).toEqual({ kind: 'table', columns: ['x', 'c'], shape: [4] });
  });

  it('normalises an image of the training size exactly as training did', async () => {
    const xs = image.preprocessImages([await png(small)]);
    const want = small.map((row) => row.map(([v]) => [(v / 255 - MEAN) / STD]));
    expect(xs.shape).toEqual([1, 4, 8, 1]);
    (xs.arraySync() as number[][][][])[0].forEach((row, y) => row.forEach(([v], x) => expect(v).toBeCloseTo(want[y][x][0], 5)));
    xs.dispose();
  });

  it('scales a larger image back to the same pixels, and converts RGB to the model’s one channel', async () => {
    const [base, big, rgb] = [small, upscale(small, 3), small.map((row) => row.map(([v]) => [v, v, v]))];
    const xs = image.preprocessImages(await Promise.all([png(base), png(big), png(rgb)]));
    const [a, b, c] = xs.arraySync() as number[][][][];
    xs.dispose();
    expect(b).toEqual(a);
    c.forEach((row, y) => row.forEach(([v], x) => expect(v).toBeCloseTo(a[y][x][0], 2)));
  });

  it('places a narrower image at the left edge and fills the rest with the background, as digit sequences are drawn', async () => {
    const half = small.map((row) => row.slice(0, 4));
    const xs = image.preprocessImages([await png(half)]);
    const [img] = xs.arraySync() as number[][][][];
    xs.dispose();
    img.forEach((row, y) =>
      row.forEach(([v], x) => expect(v).toBeCloseTo(x < 4 ? (small[y][x][0] / 255 - MEAN) / STD : (BG - MEAN) / STD, 5)),
    );
  });

  it('predicts in batches with the task’s decoder, and leaves no tensor behind', async () => {
    const bright = await png(small.map((row) => row.map(() => [255])));
    const dark = await png(small.map((row) => row.map(() => [0])));
    const before = tf.memory().numTensors;
    const out = await image.predictImages([bright, dark, bright], { batchSize: 2, topK: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(out.map((p) => p.prediction)).toEqual(['bright', 'dark', 'bright']);
    expect(out[0].probability).toBeGreaterThan(0.99);
    expect(out[1].top_k?.map((t) => t.label)).toEqual(['dark', 'bright']);
  });

  it('refuses bytes that are not an image, naming its index across batches, and leaks nothing', async () => {
    const good = await png(small);
    const before = tf.memory().numTensors;
    const e = await thrown(() => image.predictImages([good, good, good, new Uint8Array([1, 2, 3, 4])], { batchSize: 2 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(e).toBeInstanceOf(ModelInputError);
    expect(e.kind).toBe('image');
    expect(e.index).toBe(3);
    expect(e.message).toMatch(/not a readable PNG, JPEG, BMP or GIF image/);
  });

  it('refuses rows for an image model and images for a table model', async () => {
    expect((await thrown(() => image.predictRows([{ x: 1 }]))).message).toMatch(/takes images of 4×8×1, not table rows/);
    expect((await thrown(() => table.predictImages([new Uint8Array(4)]))).message).toMatch(/takes table rows \(columns: x, c\)/);
  });
});

describe('Predictor: table rows', () => {
  it('encodes rows with the model’s encoders (missing values filled, unseen categories to their slot) and decodes classes', async () => {
    const out = await table.predictRows([{ x: 30, c: 'a' }, { x: '8', c: 'b' }, { x: 'NA', c: 'zzz', label: 'pos' }]);
    expect(out.map((p) => p.prediction)).toEqual(['pos', 'b-ish', 'pos']);
    // Row 3: x filled with 10 → 0 after standardising, c unseen → logits [0, 0].
    expect(out[2].probability).toBeCloseTo(0.5, 5);
  });

  it('refuses a row without a column the model reads, and (when asked) one with a column it does not know', async () => {
    const missing = await thrown(() => table.predictRows([{ x: 1, c: 'a' }, { x: 2 }]));
    expect(missing.kind).toBe('rows');
    expect(missing.index).toBe(1);
    expect(missing.message).toMatch(/has no column 'c'; the model reads 'x', 'c'/);
    const unknown = await thrown(() => table.predictRows([{ x: 1, c: 'a', z: 3 }], { unknownColumns: 'error' }));
    expect(unknown.message).toMatch(/unknown column 'z'/);
    expect(await table.predictRows([{ x: 1, c: 'a', z: 3 }])).toHaveLength(1);
    const nan = await thrown(() => table.predictRows([{ x: 1, c: 'a' }, { x: 'many', c: 'a' }]));
    expect([nan.index, nan.message]).toEqual([1, expect.stringMatching(/numeric column 'x' holds "many"/)]);
  });
});

describe('loadPredictor', () => {
  it('refuses a folder that is not an xp model, and a path that is no folder', async () => {
    fs.mkdirSync(path.join(tmp, 'empty'));
    const e = await thrown(() => loadPredictor(path.join(tmp, 'empty')));
    expect([e.kind, e.message]).toEqual(['model', expect.stringMatching(/is not an xp model folder: model\.json is missing/)]);
    const r = await thrown(() => loadPredictor(path.join(tmp, 'nope')));
    expect([r.kind, r.message]).toEqual(['reference', expect.stringMatching(/is not a model folder/)]);
  });
});
