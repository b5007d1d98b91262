import { node } from '@tensorflow/tfjs-node-gpu';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parseExperimentText } from '@xp/core';
import { createDataBundle, type DataBundle } from '@xp/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalResult } from '../training/evaluate.js';
import { pngSize } from './plots/png-info.js';
import { renderMisclassifiedGrid } from './plots/misclassified-grid.js';
import { sequenceImageUris } from './plots/sequence-images.js';
import { logRunReports, type ReportsClient } from './run-reports.js';

const normalize = { mean: 0.1307, std: 0.3081 };
let data: DataBundle;

beforeAll(async () => {
  const exp = await parseExperimentText('name: t\nmodel: { type: baseline-cnn }\ndata: { train: { count: 8 }, val: { count: 8 }, test: { count: 40 } }\n', '/virtual/t.yaml');
  data = await createDataBundle(exp.config.data, [], exp.config.seed);
});
afterAll(() => data.dispose());

/** The test labels as predictions, with the first digit of sequences `wrong` changed. */
function testEval(wrong: number[]): EvalResult {
  const { labels, maxLen, count } = data.sequences('test');
  const preds = Int32Array.from(labels);
  for (const s of wrong) preds[s * maxLen] = (labels[s * maxLen] + 1) % 10;
  return { count, metrics: { test_exact_match: 1 - wrong.length / count }, predictions: { preds, labels: Int32Array.from(labels), maxLen } };
}

/** Records every upload (with the file's bytes: the caller deletes its temp dir afterwards). */
function fakeClient() {
  const uploads: Array<{ runId: string; file: string; dir?: string; bytes: Buffer }> = [];
  const client: ReportsClient = {
    logArtifact: async (runId, localPath, dir) => void uploads.push({ runId, file: localPath.split('/').pop() as string, dir, bytes: await fs.readFile(localPath) }),
  };
  return { client, uploads };
}

const history = [
  { loss: 2, val_loss: 2.1, exact_match: 0.1, val_exact_match: 0.1, lr: 0.01 },
  { loss: 1, val_loss: 1.2, exact_match: 0.4, val_exact_match: 0.3, lr: 0.001 },
];

describe('logRunReports', () => {
  it('uploads every plot under plots/ as a PNG and leaves the tensor count unchanged', async () => {
    const { client, uploads } = fakeClient();
    const before = tf.memory().numTensors;
    const paths = await logRunReports(client, 'r1', { history, test: testEval([3, 7, 20]), data, normalize, gridSize: 8 }, { warn: (m) => expect.fail(m) });
    expect(tf.memory().numTensors).toBe(before);
    expect(paths).toEqual(['plots/learning_curves.png', 'plots/lr_schedule.png', 'plots/confusion_pos0.png', 'plots/confusion_pos1.png', 'plots/confusion_pos2.png', 'plots/misclassified.png']);
    expect(uploads.map((u) => `${u.dir}/${u.file}`)).toEqual(paths);
    for (const u of uploads) expect(pngSize(u.bytes).width, u.file).toBeGreaterThan(100);
  });

  it('warns and goes on when a plot fails', async () => {
    const { client, uploads } = fakeClient();
    const warnings: string[] = [];
    const paths = await logRunReports(client, 'r1', { history: [{ loss: 1, lr: 0 }], test: { count: 1, metrics: {} }, data, normalize, gridSize: 4 }, { warn: (m) => warnings.push(m) });
    expect(paths).toEqual(['plots/learning_curves.png']);
    expect(uploads).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/kept no predictions[\s\S]*lr_schedule\.png skipped: no positive `lr`/);
  });
});

describe('misclassified grid', () => {
  it('shows exactly the wrong sequences, first ones first, up to gridSize', async () => {
    const r = await renderMisclassifiedGrid({ predictions: testEval([5, 1, 33]).predictions!, data, normalize, gridSize: 2 });
    expect(r.indices).toEqual([1, 5]);
    expect(r.svg.match(/<image /g)).toHaveLength(2);
    expect(r.svg).toMatch(/of 3 wrong \(of 40\)/);
  });

  it('encodes each sequence image as the denormalised 0–255 pixels the model saw', async () => {
    const before = tf.memory().numTensors;
    const uris = await sequenceImageUris(data, [37, 2], normalize, { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect([...uris.keys()].sort((a, b) => a - b)).toEqual([2, 37]);
    const b = [...data.batches('test', 40)][0];
    const expected = tf.tidy(() => tf.clipByValue(tf.round(b.xs.mul(normalize.std).add(normalize.mean).mul(255)), 0, 255).toInt());
    tf.dispose([b.xs, b.ys, b.lengths]);
    for (const s of [2, 37]) {
      const png = Buffer.from((uris.get(s) as string).split(',')[1], 'base64');
      expect(pngSize(png)).toEqual({ width: 84, height: 28 });
      const decoded = node.decodePng(png, 1);
      const want = tf.tidy(() => expected.slice([s, 0, 0, 0], [1, 28, 84, 1]).reshape([28, 84, 1]));
      expect(Array.from(decoded.dataSync())).toEqual(Array.from(want.dataSync()));
      tf.dispose([decoded, want]);
    }
    expected.dispose();
  });
});
