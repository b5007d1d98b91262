import { node } from '@tensorflow/tfjs-node-gpu';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createDataBundle, disposeBatch, type MnistSequencesConfig, type SequenceBundle } from '@xp/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundTask, EvalResult } from '../tasks/task.js';
import { parseTestExperiment, sequenceTaskOf } from '../testing/experiment.testing.js';
import type { SequencePredictions } from './plots/sequence-predictions.js';
import { pngSize } from './plots/png-info.js';
import { renderMisclassifiedGrid } from './plots/misclassified-grid.js';
import { sequenceImageUris } from './plots/sequence-images.js';
import { logRunReports, type ReportsClient } from './run-reports.js';

const normalize = { mean: 0.1307, std: 0.3081 };
let data: SequenceBundle;
let task: BoundTask;

beforeAll(async () => {
  const exp = await parseTestExperiment('name: t\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences, train: { count: 8 }, val: { count: 8 }, test: { count: 40 } }\n');
  data = await createDataBundle(exp.config.data as MnistSequencesConfig, [], exp.config.seed);
  task = sequenceTaskOf(exp);
});
afterAll(() => data.dispose());

/** The test labels as predictions, with the first digit of sequences `wrong` changed. */
function sequencePredictions(wrong: number[]): SequencePredictions {
  const { labels, maxLen } = data.sequences('test');
  const preds = Int32Array.from(labels);
  for (const s of wrong) preds[s * maxLen] = (labels[s * maxLen] + 1) % 10;
  return { preds, labels: Int32Array.from(labels), maxLen };
}

/** The test evaluation the sequence task would keep for those predictions. */
function testEval(wrong: number[]): EvalResult {
  const p = sequencePredictions(wrong);
  const count = p.labels.length / p.maxLen;
  return { count, metrics: { test_exact_match: 1 - wrong.length / count }, predictions: { predicted: p.preds, actual: p.labels, width: p.maxLen } };
}

const reportsInput = (test: EvalResult, h: typeof history = history, gridSize = 8) => ({
  history: h,
  test,
  data,
  target: data.info.target,
  gridSize,
  metric: 'exact_match',
  taskPlots: task.reports,
});

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
    const paths = await logRunReports(client, 'r1', reportsInput(testEval([3, 7, 20])), { warn: (m) => expect.fail(m) });
    expect(tf.memory().numTensors).toBe(before);
    expect(paths).toEqual(['plots/learning_curves.png', 'plots/lr_schedule.png', 'plots/confusion_pos0.png', 'plots/confusion_pos1.png', 'plots/confusion_pos2.png', 'plots/misclassified.png']);
    expect(uploads.map((u) => `${u.dir}/${u.file}`)).toEqual(paths);
    for (const u of uploads) expect(pngSize(u.bytes).width, u.file).toBeGreaterThan(100);
  });

  it('without epochs (xp evaluate of a trained model) uploads only the task plots, silently', async () => {
    const { client, uploads } = fakeClient();
    const paths = await logRunReports(client, 'r1', reportsInput(testEval([3]), []), { warn: (m) => expect.fail(m) });
    expect(paths).toEqual(['plots/confusion_pos0.png', 'plots/confusion_pos1.png', 'plots/confusion_pos2.png', 'plots/misclassified.png']);
    expect(uploads).toHaveLength(4);
  });

  it('warns and goes on when a plot fails', async () => {
    const { client, uploads } = fakeClient();
    const warnings: string[] = [];
    const paths = await logRunReports(client, 'r1', reportsInput({ count: 1, metrics: {} }, [{ loss: 1, lr: 0 }] as typeof history, 4), { warn: (m) => warnings.push(m) });
    expect(paths).toEqual(['plots/learning_curves.png']);
    expect(uploads).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/kept no predictions[\s\S]*lr_schedule\.png skipped: no positive `lr`/);
  });
});

describe('misclassified grid', () => {
  it('shows exactly the wrong sequences, first ones first, up to gridSize', async () => {
    const r = await renderMisclassifiedGrid({ predictions: sequencePredictions([5, 1, 33]), data, normalize, gridSize: 2 });
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
    disposeBatch(b);
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
