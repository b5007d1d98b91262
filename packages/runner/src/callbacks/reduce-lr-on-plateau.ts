import type { Callback, CallbackState, CallbackTarget, Logs } from './callback.js';
import { Monitor, type MonitorOptions } from './monitor.js';

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions extends MonitorOptions {
  /** Multiplier of the learning rate, in (0, 1). Defaults to `0.1`. */
  factor?: number;
  /** Epochs without improvement before reducing. Defaults to `2`. */
  patience?: number;
  /** Epochs after a reduction that do not count towards patience. Defaults to `0`. */
  cooldown?: number;
  /** Lower bound of the learning rate. Defaults to `0`. */
  minLr?: number;
  /** Where warnings and reductions are reported. Defaults to `console.warn`. */
  log?: (msg: string) => void;
}

/** One learning-rate change. */
export interface LrReduction {
  /** 0-based epoch at whose end the rate changed. */
  epoch: number;
  from: number;
  to: number;
}

/**
 * Multiplies the learning rate by `factor` (never below `minLr`) once the monitored metric has not improved
 * for `patience` epochs, then waits `cooldown` epochs before counting again.
 *
 * Keras semantics, with one deliberate difference: Keras decrements its cooldown counter before testing it
 * in the same epoch, so its last cooldown epoch already counts and `cooldown: 1` changes nothing. Here each
 * of the `cooldown` epochs after a reduction is skipped, as the option's description says.
 *
 * @example new ReduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1 }) // flat val_loss → reductions at epochs 2, 5
 */
export class ReduceLROnPlateau implements Callback {
  readonly name = 'reduce_lr_on_plateau';
  readonly monitor: Monitor;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  /** The reductions of the current run, in order. */
  reductions: LrReduction[] = [];
  private waited = 0;
  private cooldownLeft = 0;
  private target: CallbackTarget | undefined;
  private readonly log: (msg: string) => void;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    this.log = opts.log ?? console.warn;
    this.monitor = new Monitor(this.name, opts, this.log);
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 2;
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new Error(`${this.name}: factor must be in (0, 1), received factor=${this.factor}. The rate is multiplied by it, so pass e.g. 0.1 or 0.5.`);
    }
    for (const [key, v] of [['patience', this.patience], ['cooldown', this.cooldown]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`${this.name}: ${key} must be an integer ≥ 0, received ${key}=${v}.`);
    }
    if (!(this.minLr >= 0)) throw new Error(`${this.name}: min_lr must be ≥ 0, received min_lr=${this.minLr}.`);
  }

  /** Epochs without improvement counted towards patience. */
  get wait(): number {
    return this.waited;
  }

  /** Epochs of cooldown still to come. */
  get cooldownCounter(): number {
    return this.cooldownLeft;
  }

  setTarget(target: CallbackTarget): void {
    this.target = target;
  }

  onTrainBegin(): void {
    this.monitor.reset();
    this.waited = 0;
    this.cooldownLeft = 0;
    this.reductions = [];
  }

  getState(): CallbackState {
    return { data: { best: this.monitor.best ?? null, wait: this.waited, cooldownLeft: this.cooldownLeft, reductions: this.reductions } };
  }

  setState(state: CallbackState): void {
    const d = state.data as { best: number | null; wait: number; cooldownLeft: number; reductions: LrReduction[] };
    this.monitor.best = d.best ?? undefined;
    this.waited = d.wait;
    this.cooldownLeft = d.cooldownLeft;
    this.reductions = d.reductions;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitor.read(logs);
    if (current === undefined) return;
    const cooling = this.cooldownLeft > 0;
    if (cooling) this.cooldownLeft -= 1;
    // The best keeps updating during cooldown, so a later plateau is measured against it (as in Keras).
    if (this.monitor.update(current)) {
      this.waited = 0;
      return;
    }
    if (cooling) return;
    this.waited += 1;
    if (this.waited < this.patience) return;

    if (this.target === undefined) throw new Error(`${this.name}: no target; the trainer must call setTarget before training.`);
    const from = this.target.getLearningRate();
    if (from <= this.minLr) return; // Already at the floor: nothing to reduce, keep waiting.
    const to = Math.max(from * this.factor, this.minLr);
    this.target.setLearningRate(to);
    this.reductions.push({ epoch, from, to });
    this.log(`Epoch ${epoch + 1}: ${this.name}: ${this.monitor.key} has not improved for ${this.waited} epochs; learning rate ${shortLr(from)} → ${shortLr(to)}.`);
    this.cooldownLeft = this.cooldown;
    this.waited = 0;
  }
}

/** A learning rate for people: 0.3 × 3e-4 prints as 0.00009, not 0.00008999999999999999. */
function shortLr(lr: number): string {
  return String(Number(lr.toPrecision(6)));
}
