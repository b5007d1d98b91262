// Test support for callbacks: a CallbackTarget without a model, and a driver that plays a trainer's part.
// It has no tfjs import (tensors are only cloned and disposed through their own methods), so importing it
// costs nothing.
import type { Tensor } from '@tensorflow/tfjs';
import type { Callback, CallbackTarget, Logs } from './callback.js';

/** An in-memory CallbackTarget that records learning-rate changes and owns copies of the weights set on it. */
export class FakeTarget implements CallbackTarget {
  stopTraining = false;
  stopReason?: string;
  /** Every rate passed to setLearningRate, in order. */
  lrChanges: number[] = [];
  private weights: Tensor[] = [];

  constructor(public lr = 1) {}

  getLearningRate(): number {
    return this.lr;
  }

  setLearningRate(lr: number): void {
    this.lr = lr;
    this.lrChanges.push(lr);
  }

  getWeights(): Tensor[] {
    return this.weights.map((w) => w.clone());
  }

  setWeights(weights: Tensor[]): void {
    this.dispose();
    this.weights = weights.map((w) => w.clone());
  }

  /** Frees the weights this target holds. */
  dispose(): void {
    this.weights.forEach((w) => w.dispose());
    this.weights = [];
  }
}

/**
 * Runs one training of `callback` as the trainer would: onTrainBegin, then per epoch onEpochBegin, `beforeEnd`
 * (to change weights, say) and onEpochEnd with `epochLogs[epoch]`, stopping once the target asks to; then
 * onTrainEnd. Returns the number of epochs run.
 */
export async function runEpochs(
  callback: Callback,
  target: CallbackTarget,
  epochLogs: Logs[],
  beforeEnd?: (epoch: number) => void,
): Promise<number> {
  callback.setTarget?.(target);
  await callback.onTrainBegin?.({});
  let epoch = 0;
  while (epoch < epochLogs.length && !target.stopTraining) {
    await callback.onEpochBegin?.(epoch, {});
    beforeEnd?.(epoch);
    await callback.onEpochEnd?.(epoch, epochLogs[epoch]);
    epoch++;
  }
  await callback.onTrainEnd?.(epochLogs[epoch - 1] ?? {});
  return epoch;
}

/** Epoch logs holding `values[i]` under `key` for epoch i. */
export const series = (values: number[], key = 'val_loss'): Logs[] => values.map((v) => ({ [key]: v }));
