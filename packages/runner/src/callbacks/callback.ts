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
  /**
   * Set with stopTraining to drop the part of the epoch trained so far (no epoch logs, no onEpochEnd), as an
   * interruption does: the part-epoch will be trained again by a resumed run, so logging it would log its step twice.
   */
  abandonEpoch?: boolean;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** Copies of the current weights; the caller owns (and must dispose) them. */
  getWeights(): Tensor[];
  /** Assigns weights (values are copied; the caller still owns the tensors passed in). */
  setWeights(weights: Tensor[]): void;
  /**
   * Makes the layers matching `patterns` (names or globs) trainable, or frozen, from the next epoch on; returns the
   * names of the layers that changed. Absent where no model is trained (test fakes).
   */
  setTrainable?(patterns: readonly string[], trainable: boolean): string[];
}

/**
 * What a stateful callback carries from one epoch to the next (best value, wait counters, best weights), so
 * a resumed run continues exactly where it stopped. `data` must be JSON; `weights` are saved beside it.
 */
export interface CallbackState {
  data: Record<string, unknown>;
  /** Tensors the callback owns; getState lends them (the caller must not dispose), setState hands them over. */
  weights?: Tensor[];
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
  /** The state to save at an epoch end, for resuming. Stateless callbacks omit it. */
  getState?(): CallbackState;
  /** Restores a saved state; called right after onTrainBegin of a resumed run. */
  setState?(state: CallbackState): void | Promise<void>;
}
