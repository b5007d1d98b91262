// Keras-style callbacks: every hook is optional, logs are plain numbers (never tensors, so nothing a
// callback keeps can leak GPU/native memory), and per-run state is reset in onTrainBegin.
import type { Tensor } from '@tensorflow/tfjs';

/** Metrics of one epoch or batch, as plain numbers. */
export type Logs = Record<string, number>;

/** What a callback may read and change of the training it observes. */
export interface CallbackTarget {
  /** Set to true to end training after the current epoch. */
  stopTraining: boolean;
  /** Why training stopped, when a callback stopped it (logged as a run tag). */
  stopReason?: string;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** Copies of the current weights; the caller owns (and must dispose) them. */
  getWeights(): Tensor[];
  /** Assigns weights (values are copied; the caller still owns the tensors passed in). */
  setWeights(weights: Tensor[]): void;
}

/** A training callback; implement only the hooks you need. */
export interface Callback {
  /** Registry name, for messages. */
  readonly name: string;
  setTarget?(target: CallbackTarget): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}
