import type { Callback, CallbackState, CallbackTarget, Logs } from './callback.js';

/** Sends each hook to every callback, in order, awaiting each one. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  setTarget(target: CallbackTarget): void {
    for (const c of this.callbacks) c.setTarget?.(target);
  }

  async onTrainBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }

  async onTrainEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }

  async onEpochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }

  async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }

  /** The state of every stateful callback, keyed `<position>:<name>` so two callbacks of one type stay apart. */
  states(): Record<string, CallbackState> {
    const out: Record<string, CallbackState> = {};
    this.callbacks.forEach((c, i) => {
      const s = c.getState?.();
      if (s) out[`${i}:${c.name}`] = s;
    });
    return out;
  }

  /** Hands saved states back to the callbacks they came from (same config, so same positions). */
  async restoreStates(states: Record<string, CallbackState>): Promise<void> {
    for (const [i, c] of this.callbacks.entries()) {
      const s = states[`${i}:${c.name}`];
      if (s && c.setState) await c.setState(s);
    }
  }
}
