import { describe, expect, it } from 'vitest';
import { LrSchedule, scheduledLr, type LrScheduleOptions } from './lr-schedule.js';
import { FakeTarget, runEpochs } from './testing.js';

describe('scheduledLr', () => {
  it.each<{ why: string; opts: LrScheduleOptions; total: number; expected: Record<number, number> }>([
    { why: 'cosine from the peak towards 0', opts: { schedule: 'cosine' }, total: 10, expected: { 0: 1, 5: 0.5, 9: 0.5 * (1 + Math.cos(0.9 * Math.PI)), 12: 0 } },
    { why: 'cosine after warm-up, towards min_lr', opts: { schedule: 'cosine', warmupEpochs: 2, minLr: 0.1 }, total: 10, expected: { 0: 1 / 3, 1: 2 / 3, 2: 1, 6: 0.55 } },
    { why: 'step every 3 epochs', opts: { schedule: 'step', stepEvery: 3, gamma: 0.5 }, total: 10, expected: { 0: 1, 2: 1, 3: 0.5, 6: 0.25, 9: 0.125 } },
    { why: 'step counted from the end of warm-up', opts: { schedule: 'step', stepEvery: 2, gamma: 0.1, warmupEpochs: 1 }, total: 10, expected: { 0: 0.5, 1: 1, 2: 1, 3: 0.1 } },
    { why: 'onecycle rising over 30% of the epochs by default', opts: { schedule: 'onecycle' }, total: 10, expected: { 0: 0.04, 1: 0.36, 2: 0.68, 3: 1, 10: 0 } },
    { why: 'onecycle rising over warmup_epochs', opts: { schedule: 'onecycle', warmupEpochs: 2, minLr: 0.01 }, total: 6, expected: { 0: 0.04, 1: 0.52, 2: 1, 4: 0.505 } },
  ])('$why', ({ opts, total, expected }) => {
    for (const [epoch, lr] of Object.entries(expected)) expect(scheduledLr(opts, 1, Number(epoch), total), `epoch ${epoch}`).toBeCloseTo(lr, 12);
  });
});

describe('LrSchedule', () => {
  it('sets the rate at each epoch begin, scaled by the optimizer’s rate', async () => {
    const cb = new LrSchedule({ schedule: 'step', stepEvery: 2, gamma: 0.5 }, 5);
    const target = new FakeTarget(0.01);
    await runEpochs(cb, target, [{}, {}, {}, {}, {}]);
    expect(target.lrChanges).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025]);
    expect(cb.history).toEqual(target.lrChanges);
  });

  it('rejects a warm-up as long as training, repeating both numbers', () => {
    expect(() => new LrSchedule({ warmupEpochs: 5 }, 5)).toThrow(
      'lr_schedule: warmup_epochs must be an integer in [0, 4] for 5 training epochs, received warmup_epochs=5. Lower it or train longer.',
    );
  });

  it('clears stale per-run state in onTrainBegin', async () => {
    const cb = new LrSchedule({ schedule: 'cosine' }, 4);
    await runEpochs(cb, new FakeTarget(0.1), [{}, {}, {}, {}]);
    expect([cb.peakLr, cb.history.length]).toEqual([0.1, 4]);
    const target = new FakeTarget(0.02);
    cb.setTarget(target);
    await cb.onTrainBegin();
    expect([cb.peakLr, cb.history]).toEqual([0.02, []]);
    cb.onEpochBegin(0);
    expect(target.lr).toBe(0.02);
  });
});
