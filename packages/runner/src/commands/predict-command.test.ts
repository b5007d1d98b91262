// `xp predict`'s handling of inputs on a local model folder (no MLflow needed for a folder): folders searched
// and sorted, stdin sniffed as an image or as rows, CSV output, and inputs of the wrong kind refused by name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as tfn from '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelInputError } from '../model-use/errors.js';
import { saveModel } from '../run/model-artifact.js';
import { predictCommand } from './predict-command.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-predict-cmd-'));
const modelDir = path.join(tmp, 'model');

async function png(value: number, h = 2, w = 2): Promise<Buffer> {
  const t = tf.fill([h, w, 1], value, 'int32') as tf.Tensor3D;
  const bytes = Buffer.from(await tfn.node.encodePng(t));
  t.dispose();
  return bytes;
}

/** Runs the command, collecting its output lines; `stdin` feeds `-`. */
async function run(inputs: string[], opts: { format?: 'jsonl' | 'csv'; stdin?: Buffer | string } = {}) {
  let out = '';
  const n = await predictCommand(modelDir, inputs, { format: opts.format, out: (s) => (out += s), log: () => {}, stdin: Readable.from([opts.stdin ?? '']) });
  return { n, out };
}

beforeAll(async () => {
  await tf.setBackend('tensorflow');
  // A 2×2 gray model whose logits are [Σx, −Σx]: bright images are class 'light', dark ones 'dark'.
  const input = tf.input({ shape: [2, 2, 1] });
  const dense = tf.layers.dense({ units: 2, useBias: false });
  const model = tf.model({ inputs: input, outputs: dense.apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor });
  dense.setWeights([tf.concat([tf.ones([4, 1]), tf.fill([4, 1], -1)], 1)]);
  await saveModel(model, modelDir);
  model.dispose();
  fs.writeFileSync(
    path.join(modelDir, 'preprocessing.json'),
    JSON.stringify({
      task: 'classification', target: { kind: 'class', classes: ['light', 'dark'] }, input: { kind: 'image', shape: [2, 2, 1] },
      type: 'mnist', image: { height: 2, width: 2, channels: 1 }, normalize: { mean: [0.5], std: [0.5] },
    }),
  );
  fs.mkdirSync(path.join(tmp, 'imgs', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'imgs', 'b.png'), await png(0));
  fs.writeFileSync(path.join(tmp, 'imgs', 'sub', 'a.PNG'), await png(255, 6, 6));
  fs.writeFileSync(path.join(tmp, 'imgs', 'notes.txt'), 'not an image');
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('xp predict inputs', () => {
  it('searches folders for images (any case of extension), sorted by path, one line each', async () => {
    const { n, out } = await run([path.join(tmp, 'imgs')]);
    expect(n).toBe(2);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [path.relative(tmp, l.input), l.prediction])).toEqual([
      ['imgs/b.png', 'dark'],
      ['imgs/sub/a.PNG', 'light'],
    ]);
  });

  it('reads an image from stdin and writes CSV', async () => {
    const { out } = await run(['-'], { format: 'csv', stdin: await png(255) });
    expect(out.split('\n')[0]).toBe('input,prediction,probability');
    expect(out.split('\n')[1]).toMatch(/^-,light,0\.9/);
  });

  it('refuses rows (a file or stdin text) for an image model, an empty folder and no inputs, naming them', async () => {
    fs.writeFileSync(path.join(tmp, 'rows.csv'), 'a,b\n1,2\n');
    await expect(run([path.join(tmp, 'rows.csv')])).rejects.toThrow(/rows\.csv:2: the model reads images \(2×2×1\), not table rows/);
    await expect(run(['-'], { stdin: 'BMI,age\n20,30\n' })).rejects.toThrow(/^-:2: the model reads images/);
    fs.mkdirSync(path.join(tmp, 'empty'));
    await expect(run([path.join(tmp, 'empty')])).rejects.toThrow(/empty: no images \(\.png, \.jpg, \.jpeg, \.bmp, \.gif\) in this folder/);
    await expect(run([])).rejects.toBeInstanceOf(ModelInputError);
    await expect(run([path.join(tmp, 'imgs', 'notes.txt')])).rejects.toThrow(/notes\.txt: not a readable PNG, JPEG, BMP or GIF image/);
  });
});
