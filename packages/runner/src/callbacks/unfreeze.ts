import type { Callback, CallbackState, CallbackTarget } from './callback.js';

/** Options of {@link Unfreeze}. */
export interface UnfreezeOptions {
  /** Epochs trained before unfreezing: the layers are trainable from 0-based epoch `atEpoch` on. */
  atEpoch: number;
  /** Layer names or glob patterns; `['*']` is every layer. */
  layers: readonly string[];
  /** The learning rate from then on. */
  learningRate?: number;
  /** Or: the factor the learning rate is multiplied by then. */
  lrFactor?: number;
  log?: (msg: string) => void;
}

/**
 * The second stage of a fine-tune: at the start of epoch `atEpoch` makes the matching layers trainable (they were
 * frozen by `model.freeze` or a layer's `trainable: false`) and optionally changes the learning rate, e.g. lower
 * it so that the pretrained weights move slowly.
 */
export class Unfreeze implements Callback {
  readonly name = 'unfreeze';
  /** Whether this run has unfrozen (saved with a resume point, so a resumed run unfreezes again without a second rate change). */
  done = false;
  private target: CallbackTarget | undefined;

  constructor(readonly opts: UnfreezeOptions) {}

  setTarget(target: CallbackTarget): void {
    this.target = target;
  }

  onTrainBegin(): void {
    this.done = false;
  }

  getState(): CallbackState {
    return { data: { done: this.done } };
  }

  /** A resumed run past `atEpoch` gets its layers trainable again; its optimizer already has the changed rate. */
  setState(state: CallbackState): void {
    if (state.data.done === true) this.apply(false);
  }

  onEpochBegin(epoch: number): void {
    if (!this.done && epoch >= this.opts.atEpoch) this.apply(true, epoch);
  }

  private apply(changeRate: boolean, epoch?: number): void {
    const t = this.target;
    if (!t?.setTrainable) throw new Error(`${this.name}: the trainer gave no way to change which layers train (CallbackTarget.setTrainable)`);
    const changed = t.setTrainable(this.opts.layers, true);
    this.done = true;
    if (!changeRate) return;
    const before = t.getLearningRate();
    const lr = this.opts.learningRate ?? (this.opts.lrFactor !== undefined ? before * this.opts.lrFactor : before);
    if (lr !== before) t.setLearningRate(lr);
    const which = changed.length ? `${changed.length} layer(s) trainable again (${changed.join(', ')})` : 'no frozen layer matched, nothing changed';
    this.opts.log?.(`unfreeze: at epoch ${(epoch ?? this.opts.atEpoch) + 1}: ${which}${lr !== before ? `; learning rate ${before} → ${lr}` : ''}`);
  }
}
