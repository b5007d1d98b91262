import type { Callback, CallbackTarget, Logs } from './callback.js';

/** Options of {@link TerminateOnNaN}. */
export interface TerminateOnNaNOptions {
  /** Where the stop message goes. Defaults to `console.warn`. */
  log?: (msg: string) => void;
}

/**
 * Stops training as soon as `loss` is NaN or infinite, in a batch or an epoch.
 *
 * Once the loss is NaN every later update is NaN too, so there is nothing to gain from finishing the epoch.
 * `terminated` tells the runner to fail the run rather than report the stop as an early stop.
 *
 * @example new TerminateOnNaN() // batch losses 0.7, NaN → stops at batch 1, stopReason names epoch and batch
 */
export class TerminateOnNaN implements Callback {
  readonly name = 'terminate_on_nan';
  /** Whether this run was stopped for a non-finite loss. */
  terminated = false;
  private epoch = 0;
  private target: CallbackTarget | undefined;
  private readonly log: (msg: string) => void;

  constructor(opts: TerminateOnNaNOptions = {}) {
    this.log = opts.log ?? console.warn;
  }

  setTarget(target: CallbackTarget): void {
    this.target = target;
  }

  onTrainBegin(): void {
    this.terminated = false;
    this.epoch = 0;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.check(logs, `batch ${batch} of epoch ${this.epoch + 1}`);
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.check(logs, `the end of epoch ${epoch + 1}`);
  }

  private check(logs: Logs, where: string): void {
    const loss = logs.loss;
    // A missing loss is not an error here: some hooks (e.g. validation-only logs) do not carry one.
    if (loss === undefined || Number.isFinite(loss) || this.terminated) return;
    if (this.target === undefined) throw new Error(`${this.name}: no target; the trainer must call setTarget before training.`);
    this.terminated = true;
    this.target.stopTraining = true;
    this.target.stopReason = `${this.name}: loss is ${loss} at ${where}`;
    this.log(`${this.target.stopReason}; stopping. Lower the learning rate or check the inputs for NaN.`);
  }
}
