import type { Callback, CallbackState, CallbackTarget } from './callback.js';

/** Shape of the schedule. */
export type ScheduleKind = 'cosine' | 'step' | 'onecycle';

/** Options of {@link LrSchedule} and {@link scheduledLr}. */
export interface LrScheduleOptions {
  /** Defaults to `cosine`. */
  schedule?: ScheduleKind;
  /** Epochs of linear warm-up (for onecycle: of the rising phase). Defaults to `0`. */
  warmupEpochs?: number;
  /** Epochs between steps (step). Defaults to `10`. */
  stepEvery?: number;
  /** Step multiplier (step). Defaults to `0.1`. */
  gamma?: number;
  /** Rate approached at the end of training (cosine, onecycle). Defaults to `0`. */
  minLr?: number;
}

/** Share of the epochs onecycle rises for when no warm-up is given (PyTorch OneCycleLR's pct_start). */
const ONECYCLE_RISE = 0.3;
/** onecycle starts at peak / 25 (PyTorch's div_factor). */
const ONECYCLE_DIV = 25;

const cosine = (from: number, to: number, progress: number) => to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * Math.min(progress, 1)));

/**
 * The learning rate of 0-based `epoch` out of `totalEpochs`, for a schedule whose peak is `peakLr`.
 *
 * Warm-up spends its W epochs at peak·1/(W+1) … peak·W/(W+1), so even one warm-up epoch is below the peak,
 * which the first epoch after warm-up reaches. Cosine and onecycle then follow progress e/n over the remaining
 * n epochs, so the final epoch still trains a little above `minLr` rather than wasting an epoch at it (0 by
 * default).
 */
export function scheduledLr(opts: LrScheduleOptions, peakLr: number, epoch: number, totalEpochs: number): number {
  const kind = opts.schedule ?? 'cosine';
  const minLr = opts.minLr ?? 0;
  if (kind === 'onecycle') {
    const rise = opts.warmupEpochs || Math.max(1, Math.round(ONECYCLE_RISE * totalEpochs));
    if (epoch < rise) return peakLr / ONECYCLE_DIV + ((peakLr - peakLr / ONECYCLE_DIV) * epoch) / rise;
    return cosine(peakLr, minLr, (epoch - rise) / Math.max(1, totalEpochs - rise));
  }
  const warmup = opts.warmupEpochs ?? 0;
  if (epoch < warmup) return (peakLr * (epoch + 1)) / (warmup + 1);
  const e = epoch - warmup;
  if (kind === 'step') return peakLr * (opts.gamma ?? 0.1) ** Math.floor(e / (opts.stepEvery ?? 10));
  return cosine(peakLr, minLr, e / Math.max(1, totalEpochs - warmup));
}

/**
 * Sets the learning rate at the start of every epoch from an epoch-based schedule.
 *
 * The optimizer's rate at train begin is taken as the peak, so the schedule scales whatever
 * `training.optimizer` configured.
 *
 * @example new LrSchedule({ schedule: 'step', stepEvery: 10, gamma: 0.1 }, 30) // 1e-3 for epochs 0–9, 1e-4 for 10–19, …
 */
export class LrSchedule implements Callback {
  readonly name = 'lr_schedule';
  /** Peak rate of the current run, read at train begin. */
  peakLr: number | undefined;
  /** The rate set at each epoch of the current run. */
  history: number[] = [];
  private target: CallbackTarget | undefined;

  /** @param totalEpochs Epochs the run will train for (training.epochs). */
  constructor(
    readonly opts: LrScheduleOptions,
    readonly totalEpochs: number,
  ) {
    if (!Number.isInteger(totalEpochs) || totalEpochs < 1) {
      throw new Error(`${this.name}: total epochs must be a positive integer, received ${totalEpochs}.`);
    }
    const warmup = opts.warmupEpochs ?? 0;
    if (!Number.isInteger(warmup) || warmup < 0 || warmup >= totalEpochs) {
      throw new Error(`${this.name}: warmup_epochs must be an integer in [0, ${totalEpochs - 1}] for ${totalEpochs} training epochs, received warmup_epochs=${warmup}. Lower it or train longer.`);
    }
  }

  setTarget(target: CallbackTarget): void {
    this.target = target;
  }

  onTrainBegin(): void {
    if (this.target === undefined) throw new Error(`${this.name}: no target; the trainer must call setTarget before training.`);
    this.peakLr = this.target.getLearningRate();
    this.history = [];
  }

  getState(): CallbackState {
    return { data: { peakLr: this.peakLr ?? null, history: this.history } };
  }

  /** A resumed run keeps the original peak: the optimizer's rate at resume time is already scheduled down. */
  setState(state: CallbackState): void {
    const d = state.data as { peakLr: number | null; history: number[] };
    this.peakLr = d.peakLr ?? this.peakLr;
    this.history = [...d.history];
  }

  onEpochBegin(epoch: number): void {
    if (this.target === undefined || this.peakLr === undefined) {
      throw new Error(`${this.name}: onEpochBegin before onTrainBegin; the trainer must call onTrainBegin first.`);
    }
    const lr = scheduledLr(this.opts, this.peakLr, epoch, this.totalEpochs);
    this.target.setLearningRate(lr);
    this.history.push(lr);
  }
}
