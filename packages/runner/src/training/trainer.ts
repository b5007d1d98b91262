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
import { matchLayers } from './layer-patterns.js';
import { trainingForward, type ForwardOptions } from './native/training-forward.js';

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
  /** Whether convolutions run as oneDNN's fused kernel (native/conv-kernel.ts, already resolved). Defaults to false. */
  fusedConv?: boolean;
  /** The run's seed, which seeds the native dropout masks (with the step); without it they are unseeded. */
  seed?: number;
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
  const trained = trainedWeights(model, { precision: o.precision, seed: o.seed, fusedConv: o.fusedConv });
  const target: CallbackTarget = {
    stopTraining: false,
    getLearningRate: () => getLearningRate(optimizer),
    setLearningRate: (lr) => setLearningRate(optimizer, lr),
    getWeights: () => model.getWeights().map((w) => w.clone()),
    setWeights: (ws) => model.setWeights(ws),
    setTrainable: (patterns, trainable) => trained.setTrainable(patterns, trainable),
  };
  o.callbacks.setTarget(target);
  const history: Logs[] = [];
  const tensorsPerEpoch: number[] = [];
  const batches = Math.ceil(data.count('train') / o.batchSize);
  await o.callbacks.onTrainBegin();
  // The weights trained from the start come first in the optimizer's list, before any a restored callback
  // unfreezes, so a resumed run lists them in the order its optimizer state was saved in.
  trained.current();
  if (o.callbackStates) await o.callbacks.restoreStates(o.callbackStates);
  let epoch = o.initialEpoch ?? 0;
  for (; epoch < o.epochs && !target.stopTraining; epoch++) {
    await o.callbacks.onEpochBegin(epoch);
    // A callback may have frozen or unfrozen layers (unfreeze), here or when a resumed run restored it.
    const { forward, step } = trained.current();
    o.progress?.epochStart(epoch, o.epochs, batches);
    const t0 = performance.now();
    let counts: tf.Tensor1D | null = null;
    let lossSum = 0;
    let n = 0;
    let i = 0;
    for (const batch of data.batches('train', o.batchSize, epoch)) {
      const b = batch.xs.shape[0];
      let batchCounts: tf.Tensor1D | null = null;
      const cost = step(optimizer, () => {
        // The step index is the same in a resumed run as in an uninterrupted one, so are the dropout masks.
        const out = forward(batch.xs, epoch * batches + i);
        batchCounts = tf.keep(task.counts(out, batch));
        const loss = task.loss(out, batch, true);
        const reg = model.calculateLosses();
        return reg.length ? (tf.addN([loss, ...reg]) as tf.Scalar) : loss;
      });
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

/**
 * The weights training updates, as the layers' `trainable` flags say (model.freeze, a layer's `trainable: false`,
 * the unfreeze callback), and the forward pass that computes gradients for exactly those.
 *
 * The optimizer is always given one list that only grows: every weight that has been trained in this run, in the
 * order first trained, with no gradient (null) while frozen. tfjs's optimizers and NativeAdamOptimizer keep their
 * state by position in that list, so a weight that starts training later gets new state instead of another
 * weight's, and a frozen weight is left exactly as it is (no update, no weight decay).
 */
function trainedWeights(model: tf.LayersModel, forwardOptions: ForwardOptions) {
  const seen: tf.Variable[] = [];
  let changed = true;
  let state: { forward: ReturnType<typeof trainingForward>; step: (opt: tf.Optimizer, f: () => tf.Scalar) => tf.Scalar } | undefined;
  return {
    setTrainable(patterns: readonly string[], trainable: boolean): string[] {
      const { matched } = matchLayers(
        model.layers.map((l) => l.name),
        patterns,
      );
      const flipped = matched.map((name) => model.getLayer(name)).filter((l) => l.trainable !== trainable);
      flipped.forEach((l) => (l.trainable = trainable));
      if (flipped.length) changed = true;
      return flipped.map((l) => l.name);
    },
    current() {
      if (changed || !state) {
        changed = false;
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        for (const v of vars) if (!seen.includes(v)) seen.push(v);
        const step = (opt: tf.Optimizer, f: () => tf.Scalar): tf.Scalar => {
          // Everything frozen: the loss is still reported, nothing is updated.
          if (vars.length === 0) return tf.tidy(f);
          const { value, grads } = tf.variableGrads(f, vars);
          opt.applyGradients(seen.map((v) => ({ name: v.name, tensor: grads[v.name] ?? null })) as { name: string; tensor: tf.Tensor }[]);
          tf.dispose(grads);
          return value;
        };
        state = { forward: trainingForward(model, forwardOptions), step };
      }
      return state;
    },
  };
}
