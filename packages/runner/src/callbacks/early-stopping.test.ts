import * as tf from '@tensorflow/tfjs-node-gpu';
import { describe, expect, it, vi } from 'vitest';
import { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
import { FakeTarget, runEpochs, series } from './testing.js';

const quiet = { log: () => {}, restoreBestWeights: false };

describe('EarlyStopping', () => {
  it.each<{ why: string; values: number[]; opts: EarlyStoppingOptions; stopped: number | undefined; best: number | undefined }>([
    { why: 'stops once patience epochs pass without improvement', values: [1, 0.9, 0.95, 0.96, 0.97], opts: { patience: 2 }, stopped: 3, best: 1 },
    { why: 'waits one epoch longer with patience 3', values: [1, 0.9, 0.95, 0.96, 0.97], opts: { patience: 3 }, stopped: 4, best: 1 },
    { why: 'stops at the first non-improvement with patience 0', values: [1, 0.9, 0.95, 0.8], opts: { patience: 0 }, stopped: 2, best: 1 },
    { why: 'never stops while the metric improves', values: [5, 4, 3, 2, 1], opts: { patience: 1 }, stopped: undefined, best: 4 },
    { why: 'counts only changes larger than min_delta', values: [1, 0.9, 0.75, 0.7, 0.69], opts: { patience: 2, minDelta: 0.2 }, stopped: 4, best: 2 },
    { why: 'does not count a change of exactly min_delta', values: [1, 0.9, 0.8], opts: { patience: 1, minDelta: 0.1 }, stopped: 1, best: 0 },
    { why: 'treats higher as better in max mode', values: [0.5, 0.6, 0.6, 0.59, 0.7], opts: { patience: 2, mode: 'max' }, stopped: 3, best: 1 },
    { why: 'never takes NaN as the best', values: [NaN, NaN, NaN], opts: { patience: 1 }, stopped: 1, best: undefined },
  ])('$why', async ({ values, opts, stopped, best }) => {
    const cb = new EarlyStopping({ ...quiet, ...opts });
    const target = new FakeTarget();
    await runEpochs(cb, target, series(values));
    expect(cb.stoppedEpoch).toBe(stopped);
    expect(cb.bestEpoch).toBe(best);
    expect(target.stopTraining).toBe(stopped !== undefined);
  });

  it('gives a stop reason naming the metric and the best epoch', async () => {
    const target = new FakeTarget();
    await runEpochs(new EarlyStopping({ ...quiet, patience: 2 }), target, series([1, 0.9, 0.95, 0.96]));
    expect(target.stopReason).toBe('early_stopping: val_loss did not improve by more than 0 for 2 epochs (best 0.9 at epoch 2)');
  });

  it('warns once, listing the available keys, when the metric is missing', async () => {
    const log = vi.fn();
    const cb = new EarlyStopping({ log, patience: 1, restoreBestWeights: false });
    const target = new FakeTarget();
    await runEpochs(cb, target, series([1, 2, 3], 'loss'));
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toContain("metric 'val_loss' is not in the epoch logs, so it is ignored. Available: loss.");
    expect(target.stopTraining).toBe(false);
  });

  it('rejects a mode it would have to guess', () => {
    expect(() => new EarlyStopping({ mode: 'auto' as 'min' })).toThrow("early_stopping: mode must be 'min' or 'max', received mode='auto'");
  });

  it('clears stale per-run state in onTrainBegin, weights included', async () => {
    const cb = new EarlyStopping({ ...quiet, patience: 2, restoreBestWeights: true });
    const target = new FakeTarget();
    const initial = tf.zeros([2]);
    target.setWeights([initial]);
    initial.dispose();
    const before = tf.memory().numTensors;
    // A run abandoned mid-way (no onTrainEnd) leaves a best, a wait count, a stop and a weight copy behind.
    cb.setTarget(target);
    await cb.onTrainBegin();
    for (const [epoch, v] of [1, 0.9, 0.95, 0.96].entries()) cb.onEpochEnd(epoch, { val_loss: v });
    expect([cb.stoppedEpoch, cb.bestEpoch, cb.wait, cb.monitor.best]).toEqual([3, 1, 2, 0.9]);
    expect(tf.memory().numTensors).toBeGreaterThan(before);

    await cb.onTrainBegin();
    expect([cb.stoppedEpoch, cb.bestEpoch, cb.wait, cb.monitor.best]).toEqual([undefined, undefined, 0, undefined]);
    expect(tf.memory().numTensors).toBe(before);
    // The same instance then behaves as a new one would.
    const fresh = new FakeTarget();
    await runEpochs(cb, fresh, series([5, 4, 4.5, 4.6]));
    expect(cb.stoppedEpoch).toBe(3);
    target.dispose();
  });

  describe('restore_best_weights', () => {
    // Epoch e's weights are filled with e, so the restored values name the epoch they came from.
    const train = async (values: number[], opts: EarlyStoppingOptions) => {
      const target = new FakeTarget();
      target.setWeights([tf.zeros([2, 2]), tf.zeros([3])]);
      const before = tf.memory().numTensors;
      const cb = new EarlyStopping({ log: () => {}, ...opts });
      await runEpochs(cb, target, series(values), (epoch) => {
        const ws = [tf.fill([2, 2], epoch), tf.fill([3], epoch)];
        target.setWeights(ws);
        ws.forEach((w) => w.dispose());
      });
      const restored = target.getWeights();
      const values_ = restored.map((w) => Array.from(w.dataSync()));
      restored.forEach((w) => w.dispose());
      const leaked = tf.memory().numTensors - before;
      target.dispose();
      return { cb, weights: values_, leaked };
    };

    it.each([
      { why: 'after an early stop', values: [1, 0.5, 0.7, 0.8], patience: 2, best: 1, last: 3 },
      { why: 'after a run that ends normally', values: [3, 2, 1.5, 1.7], patience: 5, best: 2, last: 3 },
    ])('puts back the best epoch’s weights $why, with no tensors left over', async ({ values, patience, best }) => {
      const { cb, weights, leaked } = await train(values, { patience, restoreBestWeights: true });
      expect(cb.bestEpoch).toBe(best);
      expect(weights).toEqual([[best, best, best, best], [best, best, best]]);
      expect(leaked).toBe(0);
    });

    it('keeps the last weights when off', async () => {
      const { weights, leaked } = await train([1, 0.5, 0.7, 0.8], { patience: 2, restoreBestWeights: false });
      expect(weights[1]).toEqual([3, 3, 3]);
      expect(leaked).toBe(0);
    });
  });

  it('restores a real tfjs model’s best weights and keeps the tensor count flat', async () => {
    // Full-batch SGD at 0.3 from zero weights overshoots: val_loss runs 6.5, 5.9, 1.1, 1.7, … so patience 1
    // stops at epoch 3 and the best weights are epoch 2's, not the last ones.
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanSquaredError' });
    const [x, y] = [tf.tensor2d([[0, 1], [1, 0], [1, 1], [2, 1]]), tf.tensor2d([[1], [2], [3], [5]])];
    const validationData: [tf.Tensor, tf.Tensor] = [tf.tensor2d([[3, 0], [0, 3]]), tf.tensor2d([[6], [3]])];
    const target = {
      stopTraining: false,
      getLearningRate: () => 0.3,
      setLearningRate: () => {},
      getWeights: () => model.getWeights().map((w) => w.clone()),
      setWeights: (ws: tf.Tensor[]) => model.setWeights(ws),
    };
    const cb = new EarlyStopping({ monitor: 'val_loss', patience: 1, log: () => {} });
    cb.setTarget(target);
    const before = tf.memory().numTensors;
    const snapshots: number[][] = [];
    await cb.onTrainBegin();
    for (let epoch = 0; epoch < 8 && !target.stopTraining; epoch++) {
      const h = await model.fit(x, y, { epochs: 1, verbose: 0, validationData });
      snapshots.push(model.getWeights().flatMap((w) => Array.from(w.dataSync())));
      cb.onEpochEnd(epoch, { val_loss: h.history.val_loss[0] as number });
    }
    cb.onTrainEnd();
    expect([cb.stoppedEpoch, cb.bestEpoch]).toEqual([3, 2]);
    expect(model.getWeights().flatMap((w) => Array.from(w.dataSync()))).toEqual(snapshots[2]);
    // SGD keeps no slots, so fit leaves nothing behind: any growth would be the callback's weight copies.
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, ...validationData]);
    model.dispose();
  });
});
