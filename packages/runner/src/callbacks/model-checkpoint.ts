import type { Callback, CallbackState, Logs } from './callback.js';
import { Monitor, type MonitorOptions } from './monitor.js';

/** Saves the model of `epoch`; the runner injects one that writes to the run's artifacts. */
export type SaveCheckpoint = (epoch: number, logs: Logs) => Promise<void>;

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions extends MonitorOptions {
  /** `best`: save whenever the monitored metric improves. `last`: save once, at train end. Defaults to `best`. */
  save?: 'best' | 'last';
  /** Does the saving. */
  saveCheckpoint: SaveCheckpoint;
  /** Where warnings go. Defaults to `console.warn`. */
  log?: (msg: string) => void;
}

/**
 * Calls the injected `saveCheckpoint` when a checkpoint is due, leaving storage to the runner.
 *
 * `last` saves once at train end with the final epoch's logs rather than every epoch, since each save
 * uploads the whole model. Callbacks run in list order, so put this after early_stopping to save the
 * weights early_stopping restores.
 *
 * @example new ModelCheckpoint({ monitor: 'val_loss', mode: 'min', save: 'best', saveCheckpoint }) // val_loss 1, .8, .9, .7 → saves at epochs 0, 1, 3
 */
export class ModelCheckpoint implements Callback {
  readonly name = 'model_checkpoint';
  readonly monitor: Monitor;
  readonly save: 'best' | 'last';
  /** 0-based epochs saved this run, in order. */
  saved: number[] = [];
  private last: { epoch: number; logs: Logs } | undefined;
  private readonly saveCheckpoint: SaveCheckpoint;

  constructor(opts: ModelCheckpointOptions) {
    this.monitor = new Monitor(this.name, opts, opts.log ?? console.warn);
    this.save = opts.save ?? 'best';
    this.saveCheckpoint = opts.saveCheckpoint;
    if (this.save !== 'best' && this.save !== 'last') {
      throw new Error(`${this.name}: save must be 'best' or 'last', received save='${String(this.save)}'.`);
    }
  }

  onTrainBegin(): void {
    this.monitor.reset();
    this.saved = [];
    this.last = undefined;
  }

  getState(): CallbackState {
    return { data: { best: this.monitor.best ?? null, saved: this.saved } };
  }

  setState(state: CallbackState): void {
    const d = state.data as { best: number | null; saved: number[] };
    this.monitor.best = d.best ?? undefined;
    this.saved = d.saved;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.save === 'last') {
      this.last = { epoch, logs: { ...logs } };
      return;
    }
    const current = this.monitor.read(logs);
    if (current !== undefined && this.monitor.update(current)) await this.write(epoch, logs);
  }

  async onTrainEnd(): Promise<void> {
    if (this.save === 'last' && this.last !== undefined) await this.write(this.last.epoch, this.last.logs);
  }

  private async write(epoch: number, logs: Logs): Promise<void> {
    await this.saveCheckpoint(epoch, logs);
    this.saved.push(epoch);
  }
}
