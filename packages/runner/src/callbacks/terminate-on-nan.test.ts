import { describe, expect, it } from 'vitest';
import type { Logs } from './callback.js';
import { TerminateOnNaN } from './terminate-on-nan.js';
import { FakeTarget } from './testing.js';

/** Plays epochs of batch losses (and an epoch loss, the batch mean) through `cb`, as the trainer would. */
async function train(cb: TerminateOnNaN, target: FakeTarget, epochs: number[][], epochLoss?: (batches: number[]) => number) {
  cb.setTarget(target);
  cb.onTrainBegin();
  for (const [epoch, batches] of epochs.entries()) {
    cb.onEpochBegin(epoch);
    for (const [batch, loss] of batches.entries()) {
      cb.onBatchEnd(batch, { loss });
      if (target.stopTraining) return;
    }
    const logs: Logs = { loss: (epochLoss ?? ((b) => b.reduce((a, x) => a + x, 0) / b.length))(batches) };
    cb.onEpochEnd(epoch, logs);
    if (target.stopTraining) return;
  }
}

describe('TerminateOnNaN', () => {
  it.each([
    { why: 'a NaN batch loss', epochs: [[0.7, 0.6], [0.5, NaN, 0.4]], reason: 'terminate_on_nan: loss is NaN at batch 1 of epoch 2' },
    { why: 'an infinite batch loss', epochs: [[Infinity]], reason: 'terminate_on_nan: loss is Infinity at batch 0 of epoch 1' },
    { why: 'a negative infinite batch loss', epochs: [[1], [2, -Infinity]], reason: 'terminate_on_nan: loss is -Infinity at batch 1 of epoch 2' },
  ])('stops at $why', async ({ epochs, reason }) => {
    const cb = new TerminateOnNaN({ log: () => {} });
    const target = new FakeTarget();
    await train(cb, target, epochs);
    expect(target.stopTraining).toBe(true);
    expect(target.stopReason).toBe(reason);
    expect(cb.terminated).toBe(true);
  });

  it('stops at a NaN epoch loss', async () => {
    const target = new FakeTarget();
    await train(new TerminateOnNaN({ log: () => {} }), target, [[1, 2], [3]], (b) => (b.length === 1 ? NaN : 1));
    expect(target.stopReason).toBe('terminate_on_nan: loss is NaN at the end of epoch 2');
  });

  it('lets finite losses and logs without a loss pass', async () => {
    const cb = new TerminateOnNaN({ log: () => {} });
    const target = new FakeTarget();
    await train(cb, target, [[1e30, 0], [0.5]]);
    cb.onEpochEnd(2, { val_loss: NaN });
    expect([target.stopTraining, cb.terminated]).toEqual([false, false]);
  });

  it('clears stale per-run state in onTrainBegin', async () => {
    const cb = new TerminateOnNaN({ log: () => {} });
    await train(cb, new FakeTarget(), [[NaN]]);
    expect(cb.terminated).toBe(true);
    cb.onTrainBegin();
    expect(cb.terminated).toBe(false);
    const target = new FakeTarget();
    await train(cb, target, [[1], [NaN]]);
    expect(target.stopReason).toBe('terminate_on_nan: loss is NaN at batch 0 of epoch 2');
  });
});
