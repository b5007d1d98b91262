import { describe, expect, it, vi } from 'vitest';
import type { Logs } from './callback.js';
import { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
import { FakeTarget, runEpochs, series } from './testing.js';

const recorder = () => {
  const calls: Array<[number, Logs]> = [];
  return { calls, saveCheckpoint: async (epoch: number, logs: Logs) => void calls.push([epoch, logs]) };
};

describe('ModelCheckpoint', () => {
  it.each<{ why: string; values: number[]; opts: Partial<ModelCheckpointOptions>; saved: number[] }>([
    { why: 'saves each new best in min mode', values: [1, 0.8, 0.9, 0.7], opts: { mode: 'min' }, saved: [0, 1, 3] },
    { why: 'saves each new best in max mode', values: [0.1, 0.3, 0.2, 0.4], opts: { mode: 'max' }, saved: [0, 1, 3] },
    { why: 'ignores changes within min_delta', values: [1, 0.95, 0.8], opts: { minDelta: 0.1 }, saved: [0, 2] },
    { why: 'saves only the last epoch, once', values: [1, 0.8, 0.9, 0.7, 0.75], opts: { save: 'last' }, saved: [4] },
  ])('$why', async ({ values, opts, saved }) => {
    const { calls, saveCheckpoint } = recorder();
    const cb = new ModelCheckpoint({ saveCheckpoint, log: () => {}, ...opts });
    await runEpochs(cb, new FakeTarget(), series(values));
    expect(cb.saved).toEqual(saved);
    expect(calls).toEqual(saved.map((e) => [e, { val_loss: values[e] }]));
  });

  it('waits for each save to finish', async () => {
    let done = false;
    const cb = new ModelCheckpoint({ saveCheckpoint: () => new Promise((r) => setTimeout(() => r(void (done = true)), 10)) });
    cb.onTrainBegin();
    await cb.onEpochEnd(0, { val_loss: 1 });
    expect(done).toBe(true);
  });

  it('saves in last mode only at train end', async () => {
    const { calls, saveCheckpoint } = recorder();
    const cb = new ModelCheckpoint({ save: 'last', saveCheckpoint });
    cb.onTrainBegin();
    for (let e = 0; e < 3; e++) await cb.onEpochEnd(e, { loss: e });
    expect(calls).toEqual([]);
    await cb.onTrainEnd();
    expect(calls).toEqual([[2, { loss: 2 }]]);
  });

  it('warns once and saves nothing when the metric is missing', async () => {
    const log = vi.fn();
    const { calls, saveCheckpoint } = recorder();
    await runEpochs(new ModelCheckpoint({ monitor: 'val_acc', mode: 'max', saveCheckpoint, log }), new FakeTarget(), series([1, 2], 'acc'));
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toContain("model_checkpoint: metric 'val_acc' is not in the epoch logs");
    expect(calls).toEqual([]);
  });

  it('clears stale per-run state in onTrainBegin', async () => {
    const { calls, saveCheckpoint } = recorder();
    const cb = new ModelCheckpoint({ saveCheckpoint });
    await runEpochs(cb, new FakeTarget(), series([0.5, 0.4]));
    expect([cb.monitor.best, cb.saved]).toEqual([0.4, [0, 1]]);
    // A stale best of 0.4 would block this run's first (worse) value from being saved.
    await runEpochs(cb, new FakeTarget(), series([3]));
    expect(cb.saved).toEqual([0]);
    expect(calls.at(-1)).toEqual([0, { val_loss: 3 }]);
  });
});
