import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@xp/core';
import type { Batch } from '@xp/data';
import { describe, expect, it } from 'vitest';
import { pngSize } from '../../reports/plots/png-info.js';
import { fakeTrunk } from '../fake-trunk.testing.js';
import type { EvalResult } from '../task.js';
import { balancedWeights, resolveClassWeights } from './class-weights.js';
import { classificationTask, type ClassificationConfig } from './index.js';
import { classificationCounts, classificationLoss } from './loss.js';

const config = (o: Partial<ClassificationConfig> = {}): ClassificationConfig => ({ type: 'classification', class_weights: 'none', top_k: 5, ...o });
const ctx = { validates: true, labelSmoothing: 0 };
const target = (classes: string[], trainCounts?: number[]) => ({ kind: 'class' as const, classes, ...(trainCounts ? { trainCounts } : {}) });

// Two rows over 3 classes, true classes 0 and 2. By hand:
//   row 0: −log softmax([2,0,0])[0] = log(1 + 2e⁻²) = 0.2395448
//   row 1: −log softmax([0,1,0])[2] = log(2 + e)    = 1.5514447
const LOGITS = [[2, 0, 0], [0, 1, 0]];
const LABELS = [0, 2];
const [CE0, CE1] = [0.2395447662, 1.5514447139];

function batch(logits = LOGITS, labels = LABELS): { out: tf.Tensor2D; batch: Batch } {
  return { out: tf.tensor2d(logits), batch: { xs: tf.zeros([labels.length, 4]), ys: tf.tensor1d(labels, 'int32') } };
}
function dispose(b: { out: tf.Tensor; batch: Batch }) {
  tf.dispose([b.out, b.batch.xs, b.batch.ys]);
}

describe('classification loss', () => {
  it('is the batch mean of the cross-entropy, as computed by hand', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const b = batch();
    const task = classificationTask.bind(config(), target(['a', 'b', 'c']), ctx);
    expect(task.loss(b.out, b.batch, true).arraySync()).toBeCloseTo((CE0 + CE1) / 2, 5);
    dispose(b);
  });

  it('label smoothing: from the options, else from the training (ctx); 0.1 adds 0.05 here, by hand', () => {
    const b = batch();
    const smoothed = 0.9454947400; // −Σ t log p with t = 0.9·onehot + 0.1/3, mean of the two rows
    expect(classificationTask.bind(config({ label_smoothing: 0.1 }), target(['a', 'b', 'c']), ctx).loss(b.out, b.batch, true).arraySync()).toBeCloseTo(smoothed, 5);
    expect(classificationTask.bind(config(), target(['a', 'b', 'c']), { ...ctx, labelSmoothing: 0.1 }).loss(b.out, b.batch, true).arraySync()).toBeCloseTo(smoothed, 5);
    dispose(b);
  });

  it('class weights scale each example by its true class; the gradient too', () => {
    const b = batch();
    const weighted = classificationTask.bind(config({ class_weights: { c: 3 } }), target(['a', 'b', 'c']), ctx);
    expect(weighted.loss(b.out, b.batch, true).arraySync()).toBeCloseTo((CE0 + 3 * CE1) / 2, 5);
    // d loss / d logits = w_i / B · (softmax − onehot)
    const grad = tf.grad((x: tf.Tensor) => classificationLoss(b.batch.ys, x, { classWeights: Float32Array.of(1, 1, 3) }))(b.out);
    const expected = tf.tidy(() => tf.mul(tf.sub(tf.softmax(b.out), tf.oneHot(b.batch.ys as tf.Tensor1D, 3)), tf.tensor2d([[0.5], [1.5]])));
    expect(Array.from(grad.dataSync()).map((v) => v.toFixed(5))).toEqual(Array.from(expected.dataSync()).map((v) => v.toFixed(5)));
    tf.dispose([grad, expected]);
    dispose(b);
  });

  it('evaluation losses (training false) are the plain cross-entropy: no smoothing, no weights', () => {
    const b = batch();
    const task = classificationTask.bind(config({ class_weights: { c: 3 }, label_smoothing: 0.1 }), target(['a', 'b', 'c']), ctx);
    const evalLoss = task.loss(b.out, b.batch, false);
    expect(evalLoss.arraySync()).toBeCloseTo((CE0 + CE1) / 2, 5);
    evalLoss.dispose();
    dispose(b);
  });

  it('balanced weights come from the training counts: n / (classes × count)', () => {
    expect(Array.from(balancedWeights([3, 1]))).toEqual([4 / 6, 2].map(Math.fround));
    const b = batch([[2, 0], [0, 1], [1, 0], [0, 0]], [0, 0, 0, 1]);
    const task = classificationTask.bind(config({ class_weights: 'balanced' }), target(['x', 'y'], [3, 1]), ctx);
    const plain = tf.losses.softmaxCrossEntropy(tf.oneHot(b.batch.ys as tf.Tensor1D, 2), b.out, undefined, 0, tf.Reduction.NONE).arraySync() as number[];
    const byHand = ((plain[0] + plain[1] + plain[2]) * (4 / 6) + plain[3] * 2) / 4;
    expect(task.loss(b.out, b.batch, true).arraySync()).toBeCloseTo(byHand, 5);
    dispose(b);
  });

  it('class weight problems are config errors naming the option', () => {
    expect(() => resolveClassWeights({ dog: 2 }, ['cat', 'bird'], undefined)).toThrow(ConfigError);
    expect(() => resolveClassWeights({ dog: 2 }, ['cat', 'bird'], undefined)).toThrow(/task\.class_weights\.dog: 'dog' is not a class of the data; its classes are: cat, bird/);
    expect(() => resolveClassWeights('balanced', ['cat', 'bird'], undefined)).toThrow(/task\.class_weights: `balanced` needs the training split's class counts/);
    expect(resolveClassWeights('none', ['cat', 'bird'], [1, 1])).toBeUndefined();
    expect(Array.from(resolveClassWeights({ bird: 2.5 }, ['cat', 'bird'], undefined) ?? [])).toEqual([1, 2.5]);
  });

  it('leaves no tensor behind inside tidy (loss, counts, weighted loss)', () => {
    const b = batch();
    const task = classificationTask.bind(config({ top_k: 1 }), target(['a', 'b', 'c']), ctx);
    const weighted = classificationTask.bind(config({ class_weights: { a: 2 } }), target(['a', 'b', 'c']), ctx);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      task.loss(b.out, b.batch, true);
      weighted.loss(b.out, b.batch, true);
      task.counts(b.out, b.batch);
    });
    const kept = task.counts(b.out, b.batch);
    expect(tf.memory().numTensors).toBe(before + 1);
    kept.dispose();
    dispose(b);
  });
});

describe('classification counts and metrics', () => {
  // 6 classes (> top_k 2): truth 0 1 2 3, top-1 predictions 0 2 2 5, 2nd choices 1 1 0 4 → top-2 right: rows 0, 1, 2.
  const logits = [
    [5, 4, 0, 0, 0, 0],
    [0, 4, 5, 0, 0, 0],
    [4, 0, 5, 0, 0, 0],
    [0, 0, 0, 0, 4, 5],
  ];
  const labels = [0, 1, 2, 3];
  const names = ['zero', 'one', 'two', 'thr ee', 'four', 'five'];

  it('the confusion matrix and the top-k right count, as one vector', () => {
    const b = batch(logits, labels);
    const c = classificationCounts(b.batch.ys, b.out, 2);
    const v = Array.from(c.dataSync());
    expect(v).toHaveLength(37);
    expect(v[36]).toBe(3);
    const m = (t: number, p: number) => v[t * 6 + p];
    expect([m(0, 0), m(1, 2), m(2, 2), m(3, 5)]).toEqual([1, 1, 1, 1]);
    expect(v.slice(0, 36).reduce((a, x) => a + x, 0)).toBe(4);
    c.dispose();
    dispose(b);
  });

  it('counts of two batches add up to the counts of their concatenation', () => {
    const task = classificationTask.bind(config({ top_k: 2 }), target(names), ctx);
    const whole = batch(logits, labels);
    const first = batch(logits.slice(0, 3), labels.slice(0, 3));
    const second = batch(logits.slice(3), labels.slice(3));
    const sum = tf.tidy(() => tf.add(task.counts(first.out, first.batch), task.counts(second.out, second.batch)));
    const all = task.counts(whole.out, whole.batch);
    expect(Array.from(sum.dataSync())).toEqual(Array.from(all.dataSync()));
    tf.dispose([sum, all]);
    [whole, first, second].forEach(dispose);
  });

  it('metrics: accuracy, top-k (more classes than k), macro-F1, per-class precision/recall with safe keys, loss', () => {
    const task = classificationTask.bind(config({ top_k: 2 }), target(names), ctx);
    const b = batch(logits, labels);
    const counts = task.counts(b.out, b.batch);
    const m = task.metrics(counts.dataSync() as Float32Array, 6, 4, 'val_');
    counts.dispose();
    dispose(b);
    expect(m.val_loss).toBe(1.5);
    expect(m.val_accuracy).toBe(0.5);
    expect(m.val_top_k_accuracy).toBe(0.75);
    // zero: P 1 R 1 F1 1; one: P 0 R 0; two: P 1/2 R 1 F1 2/3; thr ee: R 0; five: predicted once, P 0; four: absent
    expect(m.val_macro_f1).toBeCloseTo((1 + 0 + 2 / 3 + 0 + 0) / 5, 6);
    expect(m['val_precision/two']).toBe(0.5);
    expect(m['val_recall/two']).toBe(1);
    expect(m['val_recall/thr_ee']).toBe(0);
    expect(Object.keys(m).filter((k) => k.startsWith('val_precision/'))).toHaveLength(6);
  });

  it('no top-k accuracy when there are not more classes than k', () => {
    const task = classificationTask.bind(config(), target(['a', 'b', 'c']), ctx);
    const b = batch();
    const counts = task.counts(b.out, b.batch);
    const m = task.metrics(counts.dataSync() as Float32Array, 1, 2, '');
    tf.dispose(counts);
    dispose(b);
    expect(m).not.toHaveProperty('top_k_accuracy');
    expect(m.accuracy).toBe(0.5);
  });

  it('a task inferred from the data (`{ type }` alone) gets the schema defaults', () => {
    const task = classificationTask.bind({ type: 'classification' } as ClassificationConfig, target(names), ctx);
    const b = batch(logits, labels);
    const counts = task.counts(b.out, b.batch);
    expect(task.metrics(counts.dataSync() as Float32Array, 0, 4, '')).toHaveProperty('top_k_accuracy'); // k 5 < 6 classes
    tf.dispose(counts);
    dispose(b);
  });

  it('headline and progress fields', () => {
    expect(classificationTask.headline(config(), true)).toEqual({ metric: 'val_accuracy', mode: 'max' });
    expect(classificationTask.headline(config(), false)).toEqual({ metric: 'accuracy', mode: 'max' });
    const task = classificationTask.bind(config(), target(['a', 'b']), { ...ctx, validates: false });
    expect(task.headline).toEqual({ metric: 'accuracy', mode: 'max' });
    expect(task.progressFields).toEqual(['accuracy']);
    expect(classificationTask.accepts).toEqual(['class']);
  });
});

describe('classification head, decode, reports', () => {
  it('adds Dense(N) `logits` on the trunk features: output [B, N]', () => {
    const task = classificationTask.bind(config(), target(['a', 'b', 'c']), ctx);
    const trunk = fakeTrunk();
    const model = tf.model({ inputs: trunk.input, outputs: task.head(trunk) });
    expect(model.outputs[0].shape).toEqual([null, 3]);
    expect(model.getLayer('logits')).toBeDefined();
    const y = model.predict(tf.ones([2, 4])) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    tf.dispose(y);
    model.dispose();
  });

  it('decodes the argmax class and softmax probabilities', () => {
    const task = classificationTask.bind(config(), target(['a', 'b', 'c']), ctx);
    const b = batch();
    const d = task.decode(b.out, b.batch);
    expect(d.predicted.arraySync()).toEqual([[0], [1]]);
    expect(d.actual.arraySync()).toEqual([[0], [2]]);
    expect((d.probabilities?.sum(-1).arraySync() as number[]).map((p) => p.toFixed(5))).toEqual(['1.00000', '1.00000']);
    tf.dispose([d.predicted, d.actual, d.probabilities as tf.Tensor]);
    dispose(b);
  });

  const test: EvalResult = {
    count: 6,
    metrics: { test_accuracy: 4 / 6 },
    predictions: { predicted: Int32Array.from([0, 0, 1, 1, 2, 2]), actual: Int32Array.from([0, 0, 0, 1, 1, 2]), width: 1 },
  };

  it('test report: per-class precision/recall/F1/support; summary line', () => {
    const task = classificationTask.bind(config(), target(['cat', 'dog', 'bird']), ctx);
    const r = task.testReport?.(test) as { per_class: Record<string, { precision: number; recall: number; f1: number; support: number }>; macro_f1: number };
    expect(r.per_class.dog).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.per_class.cat.f1).toBeCloseTo(0.8, 12);
    expect(r.macro_f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(task.summary(test)).toBe('accuracy 66.67 % on 6 examples');
    expect(task.summary({ count: 10000, metrics: { test_top_k_accuracy: 1, test_accuracy: 0.99123 } })).toBe('accuracy 99.12 % on 10000 examples');
  });

  it('reports: a confusion matrix with class names, and for image data a grid of the mistakes, as PNGs', async () => {
    const task = classificationTask.bind(config(), target(['cat', 'dog', 'bird']), ctx);
    const tableData = { batches: () => [], info: {} } as never;
    expect(task.reports({ history: [], test, data: tableData, target: target(['cat', 'dog', 'bird']), gridSize: 8 }).map((p) => p.file)).toEqual(['confusion_matrix.png']);
    const asked: number[][] = [];
    const imageData = {
      batches: () => [],
      info: {},
      images(split: string, rows: readonly number[]) {
        expect(split).toBe('test');
        asked.push([...rows]);
        return tf.fill([rows.length, 12, 10, 3], 0.5) as tf.Tensor4D;
      },
    } as never;
    const withProbs = { ...test, predictions: { ...test.predictions!, probabilities: Float32Array.from([0.9, 0.05, 0.05, 0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.1, 0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8]) } };
    const plots = task.reports({ history: [], test: withProbs, data: imageData, target: target(['cat', 'dog', 'bird']), gridSize: 8 });
    expect(plots.map((p) => p.file)).toEqual(['confusion_matrix.png', 'misclassified.png']);
    const before = tf.memory().numTensors;
    for (const p of plots) expect(pngSize((await p.render()).png).width).toBeGreaterThan(100);
    expect(tf.memory().numTensors).toBe(before);
    // the two mistakes, most confident first: row 2 (cat → dog at 0.7), then row 4 (dog → bird at 0.6)
    expect(asked).toEqual([[2, 4]]);
  });
});
