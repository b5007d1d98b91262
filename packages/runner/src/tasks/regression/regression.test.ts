import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@xp/data';
import { describe, expect, it } from 'vitest';
import { pngSize } from '../../reports/plots/png-info.js';
import { fakeTrunk } from '../fake-trunk.testing.js';
import type { EvalResult } from '../task.js';
import { regressionTask, type RegressionConfig } from './index.js';

const config = (o: Partial<RegressionConfig> = {}): RegressionConfig => ({ type: 'regression', loss: 'mse', huber_delta: 1, ...o });
const ctx = { validates: true, labelSmoothing: 0.1 };
const one = { kind: 'values' as const, names: ['mpg'], mean: [2.5], std: [2] };

// Target units y = 1 2 3 4, ŷ = 1.5 2 2 5 (MAE 0.625, RMSE 0.75, R² 0.55 by hand, see regression-metrics.test.ts);
// standardised with mean 2.5, std 2: ys = −.75 −.25 .25 .75, ŷs = −.5 −.25 −.25 1.25.
function batch(pred: number[][], ys: number[][]): { out: tf.Tensor2D; batch: Batch } {
  return { out: tf.tensor2d(pred), batch: { xs: tf.zeros([ys.length, 4]), ys: tf.tensor2d(ys) } };
}
const STD_Y = [[-0.75], [-0.25], [0.25], [0.75]];
const STD_P = [[-0.5], [-0.25], [-0.25], [1.25]];
function dispose(b: { out: tf.Tensor; batch: Batch }) {
  tf.dispose([b.out, b.batch.xs, b.batch.ys]);
}

describe('regression loss', () => {
  // errors .5 −2 1.5 0: MSE (.25 + 4 + 2.25)/4 = 1.625; MAE 4/4 = 1; Huber δ=1: (.125 + 1.5 + 1 + 0)/4 = .65625;
  // Huber δ=2: all quadratic, (.125 + 2 + 1.125)/4 = .8125
  for (const [loss, delta, expected] of [['mse', 1, 1.625], ['mae', 1, 1], ['huber', 1, 0.65625], ['huber', 2, 0.8125]] as const) {
    it(`${loss}${loss === 'huber' ? ` δ=${delta}` : ''} is ${expected} by hand`, () => {
      expect(tf.getBackend()).toBe('tensorflow');
      const b = batch([[0.5], [-2], [1.5], [0]], [[0], [0], [0], [0]]);
      const task = regressionTask.bind(config({ loss, huber_delta: delta }), one, ctx);
      expect(task.loss(b.out, b.batch, true).arraySync()).toBeCloseTo(expected, 6);
      dispose(b);
    });
  }

  it('a task inferred from the data (`{ type }` alone) gets the schema defaults: MSE', () => {
    const b = batch([[0.5], [-2], [1.5], [0]], [[0], [0], [0], [0]]);
    expect(regressionTask.bind({ type: 'regression' } as RegressionConfig, one, ctx).loss(b.out, b.batch, true).arraySync()).toBeCloseTo(1.625, 6);
    dispose(b);
  });

  it("Huber's gradient is the error inside δ and ±δ beyond", () => {
    const task = regressionTask.bind(config({ loss: 'huber' }), one, ctx);
    const b = batch([[0.5], [-2], [1.5], [0]], [[0], [0], [0], [0]]);
    const g = tf.grad((x: tf.Tensor) => task.loss(x, b.batch, true))(b.out);
    expect(Array.from(g.dataSync(), (v) => v + 0)).toEqual([0.5, -1, 1, 0].map((v) => v / 4)); // + 0: −0 → 0
    tf.dispose(g);
    dispose(b);
  });

  it('leaves no tensor behind inside tidy', () => {
    const task = regressionTask.bind(config({ loss: 'huber' }), one, ctx);
    const b = batch(STD_P, STD_Y);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      task.loss(b.out, b.batch, true);
      task.counts(b.out, b.batch);
      const d = task.decode(b.out, b.batch);
      return [d.actual];
    }).forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    dispose(b);
  });
});

describe('regression counts and metrics', () => {
  it('MAE, RMSE, R² in target units from standardised counts; loss is the per-example mean', () => {
    const task = regressionTask.bind(config(), one, ctx);
    const b = batch(STD_P, STD_Y);
    const c = task.counts(b.out, b.batch);
    const m = task.metrics(c.dataSync() as Float32Array, 2, 4, 'val_');
    tf.dispose(c);
    dispose(b);
    expect(m.val_mae).toBeCloseTo(0.625, 6);
    expect(m.val_rmse).toBeCloseTo(0.75, 6);
    expect(m.val_r2).toBeCloseTo(0.55, 6);
    expect(m.val_loss).toBe(0.5);
    expect(Object.keys(m).sort()).toEqual(['val_loss', 'val_mae', 'val_r2', 'val_rmse']);
  });

  it('counts of two batches add up to the counts of their concatenation', () => {
    const task = regressionTask.bind(config(), one, ctx);
    const whole = batch(STD_P, STD_Y);
    const first = batch(STD_P.slice(0, 1), STD_Y.slice(0, 1));
    const rest = batch(STD_P.slice(1), STD_Y.slice(1));
    const sum = tf.tidy(() => tf.add(task.counts(first.out, first.batch), task.counts(rest.out, rest.batch)));
    const all = task.counts(whole.out, whole.batch);
    expect(Array.from(sum.dataSync()).map((v) => v.toFixed(6))).toEqual(Array.from(all.dataSync()).map((v) => v.toFixed(6)));
    tf.dispose([sum, all]);
    [whole, first, rest].forEach(dispose);
  });

  it('two targets: the means over targets, plus per-target metrics with safe keys', () => {
    // target 2 ("hp (kW)") is predicted exactly: MAE 0, RMSE 0, R² 1
    const target = { kind: 'values' as const, names: ['mpg', 'hp (kW)'], mean: [2.5, 100], std: [2, 10] };
    const task = regressionTask.bind(config(), target, ctx);
    const b = batch(STD_P.map(([p], i) => [p, STD_Y[i][0]]), STD_Y.map(([y]) => [y, y]));
    const c = task.counts(b.out, b.batch);
    const m = task.metrics(c.dataSync() as Float32Array, 0, 4, '');
    tf.dispose(c);
    dispose(b);
    expect(m['rmse/mpg']).toBeCloseTo(0.75, 6);
    expect(m['r2/hp__kW_']).toBeCloseTo(1, 6);
    expect(m['mae/hp__kW_']).toBeCloseTo(0, 6);
    expect(m.rmse).toBeCloseTo(0.375, 6);
    expect(m.r2).toBeCloseTo(0.775, 6);
  });

  it('headline and progress fields', () => {
    expect(regressionTask.headline(config(), true)).toEqual({ metric: 'val_rmse', mode: 'min' });
    expect(regressionTask.headline(config(), false)).toEqual({ metric: 'rmse', mode: 'min' });
    const task = regressionTask.bind(config(), one, ctx);
    expect(task.progressFields).toEqual(['rmse']);
    expect(regressionTask.accepts).toEqual(['values']);
  });
});

describe('regression head, decode, reports', () => {
  it('adds Dense(T) `prediction` on the trunk features: output [B, T]', () => {
    const task = regressionTask.bind(config(), { kind: 'values', names: ['a', 'b'], mean: [0, 0], std: [1, 1] }, ctx);
    const trunk = fakeTrunk();
    const model = tf.model({ inputs: trunk.input, outputs: task.head(trunk) });
    expect(model.outputs[0].shape).toEqual([null, 2]);
    expect(model.getLayer('prediction')).toBeDefined();
    const y = model.predict(tf.ones([3, 4])) as tf.Tensor;
    expect(y.shape).toEqual([3, 2]);
    tf.dispose(y);
    model.dispose();
  });

  it('decodes to target units', () => {
    const task = regressionTask.bind(config(), one, ctx);
    const b = batch(STD_P, STD_Y);
    const d = task.decode(b.out, b.batch);
    expect(d.predicted.arraySync()).toEqual([[1.5], [2], [2], [5]]);
    expect(d.actual.arraySync()).toEqual([[1], [2], [3], [4]]);
    tf.dispose([d.predicted, d.actual]);
    dispose(b);
  });

  const test: EvalResult = {
    count: 4,
    metrics: { test_rmse: 0.75, test_r2: 0.55 },
    predictions: { predicted: Float32Array.from([1.5, 2, 2, 5]), actual: Float32Array.from([1, 2, 3, 4]), width: 1 },
  };

  it('summary line and test report', () => {
    const task = regressionTask.bind(config(), one, ctx);
    expect(task.summary(test)).toBe('RMSE 0.750, R² 0.55 on 4 examples');
    expect(task.summary({ count: 79, metrics: { test_mae: 2, test_rmse: 2.9061, test_r2: 0.8612 } })).toBe('RMSE 2.91, R² 0.86 on 79 examples');
    const r = task.testReport?.(test) as { count: number; rmse: number; per_target: Record<string, { r2: number }> };
    expect(r.count).toBe(4);
    expect(r.rmse).toBeCloseTo(0.75, 6);
    expect(r.per_target.mpg.r2).toBeCloseTo(0.55, 6);
  });

  it('reports: predicted vs true and residuals, as PNGs', async () => {
    const task = regressionTask.bind(config(), one, ctx);
    const plots = task.reports({ history: [], test, data: { batches: () => [], info: {} } as never, target: one, gridSize: 8 });
    expect(plots.map((p) => p.file)).toEqual(['predicted_vs_true.png', 'residuals.png']);
    for (const p of plots) expect(pngSize((await p.render()).png).width).toBeGreaterThan(300);
  });
});
