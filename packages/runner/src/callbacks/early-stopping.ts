import type { Tensor } from '@tensorflow/tfjs';
import type { Callback, CallbackState, CallbackTarget, Logs } from './callback.js';
import { Monitor, type MonitorOptions } from './monitor.js';

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions extends MonitorOptions {
  /** Epochs without improvement before stopping. Defaults to `5`. */
  patience?: number;
  /** Put back the best epoch's weights when training ends (stopped or not). Defaults to `true`. */
  restoreBestWeights?: boolean;
  /** Where warnings and the stop message go. Defaults to `console.warn`. */
  log?: (msg: string) => void;
}

/**
 * Stops training once the monitored metric has not improved for `patience` epochs.
 *
 * Each epoch without improvement adds one to a wait counter that an improvement resets; training stops at
 * the end of the epoch where it reaches `patience`. With `restoreBestWeights`, a copy of the best epoch's
 * weights is kept (as tensors this callback owns and disposes) and assigned back at train end.
 *
 * @example new EarlyStopping({ monitor: 'val_loss', mode: 'min', patience: 2 }) // val_loss 1, .9, .95, .96 → stoppedEpoch 3 (0-based)
 */
export class EarlyStopping implements Callback {
  readonly name = 'early_stopping';
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly monitor: Monitor;
  /** 0-based epoch at which training was stopped; undefined while it was not. */
  stoppedEpoch: number | undefined;
  /** 0-based epoch of the best monitored value so far; undefined before one. */
  bestEpoch: number | undefined;
  private waited = 0;
  private bestWeights: Tensor[] | undefined;
  private target: CallbackTarget | undefined;
  private readonly log: (msg: string) => void;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.log = opts.log ?? console.warn;
    this.monitor = new Monitor(this.name, opts, this.log);
    this.patience = opts.patience ?? 5;
    this.restoreBestWeights = opts.restoreBestWeights ?? true;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new Error(`${this.name}: patience must be an integer ≥ 0, received patience=${this.patience}.`);
    }
  }

  /** Epochs since the last improvement. */
  get wait(): number {
    return this.waited;
  }

  setTarget(target: CallbackTarget): void {
    this.target = target;
  }

  onTrainBegin(): void {
    // A callback reused across runs must not carry the last run's best or wait into the next (keras#20521).
    this.monitor.reset();
    this.waited = 0;
    this.stoppedEpoch = undefined;
    this.bestEpoch = undefined;
    this.dropBestWeights();
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitor.read(logs);
    if (current === undefined) return;
    if (this.monitor.update(current)) {
      this.bestEpoch = epoch;
      this.waited = 0;
      if (this.restoreBestWeights) {
        this.dropBestWeights();
        this.bestWeights = this.requireTarget().getWeights();
      }
      return;
    }
    this.waited += 1;
    if (this.waited >= this.patience && epoch > 0) {
      const target = this.requireTarget();
      this.stoppedEpoch = epoch;
      target.stopTraining = true;
      const best = this.bestEpoch === undefined ? 'no finite value yet' : `best ${this.monitor.best} at epoch ${this.bestEpoch + 1}`;
      target.stopReason = `${this.name}: ${this.monitor.key} did not improve by more than ${this.monitor.minDelta} for ${this.waited} epochs (${best})`;
      this.log(`Epoch ${epoch + 1}: ${target.stopReason}.`);
    }
  }

  onTrainEnd(): void {
    if (this.bestWeights !== undefined) {
      this.requireTarget().setWeights(this.bestWeights);
      this.log(`${this.name}: restored the weights of epoch ${(this.bestEpoch ?? 0) + 1}.`);
    }
    this.dropBestWeights();
  }

  getState(): CallbackState {
    return { data: { best: this.monitor.best ?? null, wait: this.waited, bestEpoch: this.bestEpoch ?? null }, weights: this.bestWeights };
  }

  setState(state: CallbackState): void {
    const d = state.data as { best: number | null; wait: number; bestEpoch: number | null };
    this.monitor.best = d.best ?? undefined;
    this.waited = d.wait;
    this.bestEpoch = d.bestEpoch ?? undefined;
    this.dropBestWeights();
    this.bestWeights = state.weights;
  }

  private dropBestWeights(): void {
    this.bestWeights?.forEach((t) => t.dispose());
    this.bestWeights = undefined;
  }

  private requireTarget(): CallbackTarget {
    if (this.target === undefined) throw new Error(`${this.name}: no target; the trainer must call setTarget before training.`);
    return this.target;
  }
}
