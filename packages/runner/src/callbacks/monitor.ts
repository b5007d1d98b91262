// The monitor/mode/min_delta/best logic that EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share,
// written once (Keras's monitor_callback.py plays the same role).
import type { Logs } from './callback.js';

/** Whether lower (`min`) or higher (`max`) values of the monitored metric are better. */
export type MonitorMode = 'min' | 'max';

/** Options of every callback that watches a metric. */
export interface MonitorOptions {
  /** Metric key in the epoch logs. Defaults to `val_loss`. */
  monitor?: string;
  /**
   * Direction of improvement. Defaults to `min`. Never guessed from the metric's name (tfjs picks `max` for
   * any name containing "acc", which is wrong for a metric such as `acc_gap`).
   */
  mode?: MonitorMode;
  /** Smallest change that counts as an improvement, as an absolute value. Defaults to `0`. */
  minDelta?: number;
}

/** Tracks the best value of one metric; `reset()` it at train begin. */
export class Monitor {
  readonly key: string;
  readonly mode: MonitorMode;
  readonly minDelta: number;
  /** Best value seen this run; undefined until the first finite value arrives. */
  best: number | undefined;
  private warned = false;

  /**
   * @param owner Callback name, for messages.
   * @param log Where the missing-metric warning goes.
   */
  constructor(
    readonly owner: string,
    opts: MonitorOptions,
    private readonly log: (msg: string) => void,
  ) {
    this.key = opts.monitor ?? 'val_loss';
    this.mode = opts.mode ?? 'min';
    this.minDelta = opts.minDelta ?? 0;
    if (this.key.length === 0) throw new Error(`${owner}: monitor must name a metric, received monitor=''. Pass e.g. monitor: val_loss.`);
    if (this.mode !== 'min' && this.mode !== 'max') {
      throw new Error(`${owner}: mode must be 'min' or 'max', received mode='${String(this.mode)}'. Pass max for metrics where higher is better (accuracy), min otherwise.`);
    }
    if (!(this.minDelta >= 0) || !Number.isFinite(this.minDelta)) {
      throw new Error(`${owner}: min_delta must be a finite number ≥ 0, received min_delta=${this.minDelta}. It is an absolute change; mode sets the direction.`);
    }
  }

  /** Clears the best value and the missing-metric warning, for a new run. */
  reset(): void {
    this.best = undefined;
    this.warned = false;
  }

  /** The monitored value in `logs`, or undefined (warning once per run, listing the keys that exist). */
  read(logs: Logs): number | undefined {
    const value = logs[this.key];
    if (value !== undefined) return value;
    if (!this.warned) {
      this.warned = true;
      const keys = Object.keys(logs);
      this.log(
        `${this.owner}: metric '${this.key}' is not in the epoch logs, so it is ignored. ` +
          `Available: ${keys.length > 0 ? keys.join(', ') : '(none)'}. Set monitor to one of them (val_* metrics need validation data).`,
      );
    }
    return undefined;
  }

  /** Whether `current` beats the best by more than minDelta; the first finite value always does, NaN never. */
  isImprovement(current: number): boolean {
    if (Number.isNaN(current)) return false;
    if (this.best === undefined) return true;
    return this.mode === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta;
  }

  /** Records `current` as the best if it improves on it; returns whether it did. */
  update(current: number): boolean {
    if (!this.isImprovement(current)) return false;
    this.best = current;
    return true;
  }
}
