// The training loop. A hand-written loop rather than LayersModel.fit because fit's callbacks cannot change
// the learning rate or restore weights of a model with several heads cleanly, and because we want one
// tidy-wrapped step with metric counts accumulated on the backend (no per-batch JS metric work).
import * as tf from '@tensorflow/tfjs';
import type { Precision } from '@xp/core';
import type { CallbackList } from '../callbacks/callback-list.js';
import type { CallbackState, CallbackTarget, Logs } from '../callbacks/callback.js';
import { disposeBatch, type DataBundle } from '@xp/data';
import type { BoundTask } from '../tasks/task.js';
import { evaluate } from './evaluate.js';
import { getLearningRate, setLearningRate } from './learning-rate.js';
import { trainingForward } from './native/training-forward.js';

/** Progress of the current epoch, for a progress bar. */
export interface ProgressReporter {
  epochStart(epoch: number, epochs: number, batches: number): void;
  batch(done: number, logs: Logs): void;
  epochEnd(epoch: number, logs: Logs): void;
}

export interface TrainOptions {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** What is learned: loss, metrics and their names. */
  task: BoundTask;
  data: Pick<DataBundle, 'batches' | 'count'>;
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  /** Whether a validation split exists (val_* metrics and the train/val gap). */
  validate: boolean;
  callbacks: CallbackList;
  progress?: ProgressReporter;
  /** First epoch index (for resumed runs). Defaults to 0. */
  initialEpoch?: number;
  /** Callback states saved by the run being resumed (see CallbackList.states). */
  callbackStates?: Record<string, CallbackState>;
  /** The precision of the native step, already resolved (native/precision.ts). Defaults to float32. */
  precision?: Precision;
}

export interface TrainResult {
  history: Logs[];
  epochsRun: number;
  stopReason?: string;
  tensorsPerEpoch: number[];
}

/** Trains `model` and returns the per-epoch logs. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { model, optimizer, data, task } = o;
  const target: CallbackTarget = {
    stopTraining: false,
    getLearningRate: () => getLearningRate(optimizer),
    setLearningRate: (lr) => setLearningRate(optimizer, lr),
    getWeights: () => model.getWeights().map((w) => w.clone()),
    setWeights: (ws) => model.setWeights(ws),
  };
  o.callbacks.setTarget(target);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const forward = trainingForward(model, { precision: o.precision });
  const history: Logs[] = [];
  const tensorsPerEpoch: number[] = [];
  const batches = Math.ceil(data.count('train') / o.batchSize);
  await o.callbacks.onTrainBegin();
  if (o.callbackStates) await o.callbacks.restoreStates(o.callbackStates);
  let epoch = o.initialEpoch ?? 0;
  for (; epoch < o.epochs && !target.stopTraining; epoch++) {
    await o.callbacks.onEpochBegin(epoch);
    o.progress?.epochStart(epoch, o.epochs, batches);
    const t0 = performance.now();
    let counts: tf.Tensor1D | null = null;
    let lossSum = 0;
    let n = 0;
    let i = 0;
    for (const batch of data.batches('train', o.batchSize, epoch)) {
      const b = batch.xs.shape[0];
      let batchCounts: tf.Tensor1D | null = null;
      const cost = optimizer.minimize(
        () => {
          const out = forward(batch.xs);
          batchCounts = tf.keep(task.counts(out, batch));
          const loss = task.loss(out, batch, true);
          const reg = model.calculateLosses();
          return reg.length ? tf.addN([loss, ...reg]) as tf.Scalar : loss;
        },
        true,
        vars,
      ) as tf.Scalar;
      const next: tf.Tensor1D = counts ? tf.add(counts, batchCounts!) : batchCounts!;
      if (counts) {
        (counts as tf.Tensor).dispose();
        (batchCounts as tf.Tensor | null)?.dispose();
      }
      counts = next;
      const loss = (await cost.data())[0];
      cost.dispose();
      disposeBatch(batch);
      lossSum += loss * b;
      n += b;
      const batchLogs = { loss, batch: i };
      await o.callbacks.onBatchEnd(i, batchLogs);
      o.progress?.batch(++i, { loss: lossSum / n });
      if (target.stopTraining) break;
    }
    if (!counts) throw new Error('the training split produced no batches');
    if (i < batches && target.abandonEpoch) {
      // Interrupted mid-epoch: the part-epoch is not logged, so a resumed run that trains this epoch again
      // logs each step exactly once. (A NaN stop keeps its part-epoch: those numbers explain the failure.)
      (counts as tf.Tensor1D).dispose();
      break;
    }
    const c = (await (counts as tf.Tensor1D).data()) as Float32Array;
    (counts as tf.Tensor1D).dispose();
    const trainSecs = (performance.now() - t0) / 1000;
    const logs: Logs = { ...task.metrics(c, lossSum, n, ''), lr: getLearningRate(optimizer) };
    if (o.validate) {
      const val = await evaluate(model, task, data, 'val', o.evalBatchSize, { prefix: 'val_' });
      Object.assign(logs, val.metrics);
      // The gap of the headline metric (its train value minus its validation value).
      const key = task.headline.metric.replace(/^val_/, '');
      if (Number.isFinite(logs[key]) && Number.isFinite(logs[`val_${key}`])) logs.train_val_gap = logs[key] - logs[`val_${key}`];
    }
    logs.epoch_time_s = (performance.now() - t0) / 1000;
    logs.train_examples_per_s = n / trainSecs;
    history.push(logs);
    o.progress?.epochEnd(epoch, logs);
    await o.callbacks.onEpochEnd(epoch, logs);
    tensorsPerEpoch.push(tf.memory().numTensors);
  }
  await o.callbacks.onTrainEnd(history.at(-1) ?? {});
  return { history, epochsRun: epoch - (o.initialEpoch ?? 0), stopReason: target.stopReason, tensorsPerEpoch };
}
