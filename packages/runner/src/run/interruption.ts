// Ctrl-C and SIGTERM during `xp run`. The signal handler only raises a flag: the trainer sees it through
// `stopTraining` at the next batch boundary, and the runner then checkpoints, drains the metric queue and
// ends the MLflow run KILLED. Exiting from the handler instead (as a first version did) killed the process
// mid-step, with queued metrics unsent and no checkpoint. A second signal, or a shutdown that outlasts
// `graceMs`, still exits at once, so the process never hangs on a slow server.
import type { Callback, CallbackTarget } from '../callbacks/callback.js';
import { signalExitCode } from './errors.js';

/** The signals that stop a run. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Where signals come from; `process` in production, an EventEmitter in tests. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Options of {@link Interruption}. */
export interface InterruptionOptions {
  /** Where the "stopping…" lines go. Defaults to stderr. */
  log?: (msg: string) => void;
  /** Defaults to `process`. */
  signals?: SignalSource;
  /** Longest graceful shutdown after the first signal, in ms, before exiting anyway. Defaults to 8000 (the CLI promises an exit within 10 s). */
  graceMs?: number;
  /** Longest wait for {@link Interruption.onForce} before exiting. Defaults to 1500. */
  forceMs?: number;
  /** Ends the process. Defaults to `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Listens for SIGINT/SIGTERM from construction until {@link dispose}, and stops training at the next batch
 * boundary when one arrives; as a callback it also records the epoch reached.
 *
 * The first signal sets `signal` and the trainer's `stopTraining` (even if training has not started yet:
 * `setTarget` passes it on). A second signal, or `graceMs` without {@link dispose}, calls `onForce` (at most
 * `forceMs`) and exits with 128 + the signal number.
 *
 * @example const stop = new Interruption({ log }); try { await train({ callbacks: new CallbackList([stop, ...cbs]), ... }); if (stop.signal) … } finally { stop.dispose(); }
 */
export class Interruption implements Callback {
  readonly name = 'interruption';
  /** The first signal received, once one has been. */
  signal: NodeJS.Signals | undefined;
  /** 0-based index of the epoch that was running or last ran (a metric step), once training has begun. */
  epoch: number | undefined;
  /** Best-effort clean-up before a forced exit (e.g. end the MLflow run KILLED). */
  onForce: (() => Promise<unknown>) | undefined;
  private target: CallbackTarget | undefined;
  private timer: NodeJS.Timeout | undefined;
  private forcing = false;
  private readonly log: (msg: string) => void;
  private readonly source: SignalSource;
  private readonly graceMs: number;
  private readonly forceMs: number;
  private readonly exit: (code: number) => void;
  private readonly listener = (signal: NodeJS.Signals) => this.receive(signal);

  constructor(opts: InterruptionOptions = {}) {
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.source = opts.signals ?? process;
    this.graceMs = opts.graceMs ?? 8000;
    this.forceMs = opts.forceMs ?? 1500;
    this.exit = opts.exit ?? ((code) => process.exit(code));
    for (const s of STOP_SIGNALS) this.source.on(s, this.listener);
  }

  setTarget(target: CallbackTarget): void {
    this.target = target;
    if (this.signal) this.stop();
  }

  // `signal` and `epoch` are not reset in onTrainBegin: they describe this process, not one fit, and a
  // signal that arrived before training began must still stop it.
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  /**
   * Gives the event loop one turn. On the native backend a training step's `await` settles as a microtask, so
   * without this a whole fit runs without the loop reaching its poll phase: signal handlers, timers and the
   * queued MLflow requests would all wait for training to end.
   */
  onBatchEnd(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Stops listening and cancels a pending forced exit. Call it once the run has ended, however it ended. */
  dispose(): void {
    for (const s of STOP_SIGNALS) this.source.off(s, this.listener);
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private receive(signal: NodeJS.Signals): void {
    if (this.signal) {
      this.log(`\n${signal} again: exiting now.`);
      this.force(this.signal);
      return;
    }
    this.signal = signal;
    this.log(`\n${signal}: stopping after the current batch, then saving a checkpoint and ending the MLflow run as KILLED (${signal} again to exit at once)…`);
    this.stop();
    this.timer = setTimeout(() => {
      this.log(`${signal}: the run did not shut down within ${this.graceMs / 1000} s; exiting.`);
      this.force(signal);
    }, this.graceMs);
    // The timer must not keep an otherwise finished process alive.
    this.timer.unref();
  }

  private stop(): void {
    if (!this.target || !this.signal) return;
    this.target.stopTraining = true;
    this.target.stopReason = `interrupted by ${this.signal}`;
    this.target.abandonEpoch = true;
  }

  private force(signal: NodeJS.Signals): void {
    if (this.forcing) return;
    this.forcing = true;
    const limit = new Promise<void>((resolve) => setTimeout(resolve, this.forceMs));
    void Promise.race([Promise.resolve(this.onForce?.()).catch(() => undefined), limit]).finally(() => this.exit(signalExitCode(signal)));
  }
}
