import { describe, expect, it, vi } from 'vitest';
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
import { FakeTarget, runEpochs, series } from './testing.js';

const flat = [1, 1, 1, 1, 1, 1, 1, 1];

describe('ReduceLROnPlateau', () => {
  it.each<{ why: string; values: number[]; opts: ReduceLROnPlateauOptions; at: number[]; lr: number }>([
    { why: 'reduces every patience epochs on a plateau', values: flat, opts: { patience: 2 }, at: [2, 4, 6], lr: 0.125 },
    { why: 'skips one epoch after each reduction with cooldown 1', values: flat, opts: { patience: 2, cooldown: 1 }, at: [2, 5], lr: 0.25 },
    { why: 'skips two epochs with cooldown 2', values: flat, opts: { patience: 2, cooldown: 2 }, at: [2, 6], lr: 0.25 },
    { why: 'reduces at each non-improving epoch with patience 0', values: flat, opts: { patience: 0 }, at: [1, 2, 3, 4, 5, 6, 7], lr: 0.5 ** 7 },
    { why: 'stops at min_lr', values: flat, opts: { patience: 1, minLr: 0.3 }, at: [1, 2], lr: 0.3 },
    { why: 'restarts the count after an improvement', values: [1, 1, 0.5, 0.5, 0.5], opts: { patience: 2 }, at: [4], lr: 0.5 },
    { why: 'treats higher as better in max mode', values: [0.1, 0.2, 0.2, 0.2], opts: { patience: 2, mode: 'max' }, at: [3], lr: 0.5 },
    { why: 'counts only changes larger than min_delta', values: [1, 0.95, 0.9, 0.85], opts: { patience: 2, minDelta: 0.1 }, at: [2], lr: 0.5 },
    { why: 'keeps updating the best during cooldown', values: [1, 1, 1, 0.5, 0.6, 0.6, 0.6], opts: { patience: 2, cooldown: 2 }, at: [2, 6], lr: 0.25 },
  ])('$why', async ({ values, opts, at, lr }) => {
    const cb = new ReduceLROnPlateau({ factor: 0.5, log: () => {}, ...opts });
    const target = new FakeTarget(1);
    await runEpochs(cb, target, series(values));
    expect(cb.reductions.map((r) => r.epoch)).toEqual(at);
    expect(target.lr).toBeCloseTo(lr, 12);
    expect(target.stopTraining).toBe(false);
  });

  it('records each change and reports it', async () => {
    const log = vi.fn();
    const cb = new ReduceLROnPlateau({ factor: 0.1, patience: 1, log });
    await runEpochs(cb, new FakeTarget(0.01), series([1, 1]));
    expect(cb.reductions).toEqual([{ epoch: 1, from: 0.01, to: 0.001 }]);
    expect(log).toHaveBeenCalledWith('Epoch 2: reduce_lr_on_plateau: val_loss has not improved for 1 epochs; learning rate 0.01 → 0.001.');
  });

  it('reports rates without float noise (0.3 × 0.0003 is 0.00009 in the message)', async () => {
    const log = vi.fn();
    const cb = new ReduceLROnPlateau({ factor: 0.3, patience: 1, minLr: 1e-6, log });
    await runEpochs(cb, new FakeTarget(3e-4), series([1, 1, 1]));
    expect(log).toHaveBeenNthCalledWith(1, 'Epoch 2: reduce_lr_on_plateau: val_loss has not improved for 1 epochs; learning rate 0.0003 → 0.00009.');
    expect(log).toHaveBeenNthCalledWith(2, 'Epoch 3: reduce_lr_on_plateau: val_loss has not improved for 1 epochs; learning rate 0.00009 → 0.000027.');
  });

  it('warns once and does nothing when the metric is missing', async () => {
    const log = vi.fn();
    const cb = new ReduceLROnPlateau({ monitor: 'val_exact_match', mode: 'max', patience: 0, log });
    const target = new FakeTarget(1);
    await runEpochs(cb, target, series(flat, 'val_loss'));
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toContain("'val_exact_match' is not in the epoch logs, so it is ignored. Available: val_loss.");
    expect(target.lrChanges).toEqual([]);
  });

  it.each([1, 0, 1.5])('rejects factor=%s, repeating it', (factor) => {
    expect(() => new ReduceLROnPlateau({ factor })).toThrow(`reduce_lr_on_plateau: factor must be in (0, 1), received factor=${factor}.`);
  });

  it('clears stale per-run state in onTrainBegin', async () => {
    const cb = new ReduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 3, log: () => {} });
    cb.setTarget(new FakeTarget(1));
    await cb.onTrainBegin();
    // Reduce at epoch 2 (cooldown 3 starts), then one more epoch: a best, a cooldown and a reduction are left.
    for (let epoch = 0; epoch < 4; epoch++) cb.onEpochEnd(epoch, { val_loss: 1 });
    expect([cb.monitor.best, cb.cooldownCounter, cb.reductions.length]).toEqual([1, 2, 1]);

    await cb.onTrainBegin();
    expect([cb.monitor.best, cb.wait, cb.cooldownCounter, cb.reductions]).toEqual([undefined, 0, 0, []]);
    // With the old best of 1 kept, 2 would never improve; with the old cooldown, epoch 2 would be skipped.
    const target = new FakeTarget(1);
    await runEpochs(cb, target, series([2, 2, 2]));
    expect(cb.reductions.map((r) => r.epoch)).toEqual([2]);
  });
});
