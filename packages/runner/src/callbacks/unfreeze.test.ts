import { describe, expect, it } from 'vitest';
import { FakeTarget, runEpochs, series } from './testing.js';
import { Unfreeze } from './unfreeze.js';

/** A target whose layers conv_0, conv_1 start frozen; records what was made trainable. */
class LayeredTarget extends FakeTarget {
  frozen = new Set(['conv_0', 'conv_1']);
  calls: { patterns: readonly string[]; epoch: number }[] = [];
  epoch = -1;
  setTrainable(patterns: readonly string[], trainable: boolean): string[] {
    expect(trainable).toBe(true);
    this.calls.push({ patterns, epoch: this.epoch });
    const changed = [...this.frozen].filter((n) => patterns.includes(n) || patterns.includes('*'));
    changed.forEach((n) => this.frozen.delete(n));
    return changed;
  }
}

describe('Unfreeze', () => {
  it('unfreezes at the start of epoch at_epoch (0-based) and multiplies the rate by lr_factor, once', async () => {
    const t = new LayeredTarget(0.01);
    const logs: string[] = [];
    const cb = new Unfreeze({ atEpoch: 2, layers: ['conv_0'], lrFactor: 0.1, log: (m) => logs.push(m) });
    const rates: number[] = [];
    await runEpochs(cb, t, series([1, 1, 1, 1, 1]), (e) => {
      t.epoch = e;
      rates.push(t.lr);
    });
    expect(t.calls.map((c) => c.patterns)).toEqual([['conv_0']]);
    expect([...t.frozen]).toEqual(['conv_1']);
    expect(rates[0]).toBe(0.01);
    expect(rates[1]).toBe(0.01);
    expect(rates[2]).toBeCloseTo(0.001, 12);
    expect(rates[4]).toBeCloseTo(0.001, 12);
    expect(t.lrChanges).toHaveLength(1);
    expect(logs).toEqual(['unfreeze: at epoch 3: 1 layer(s) trainable again (conv_0); learning rate 0.01 → 0.001']);
    expect(cb.getState()).toEqual({ data: { done: true } });
  });

  it('learning_rate sets the rate; without either the rate stays', async () => {
    const a = new LayeredTarget(0.01);
    await runEpochs(new Unfreeze({ atEpoch: 1, layers: ['*'], learningRate: 0.0003 }), a, series([1, 1]));
    expect(a.lr).toBe(0.0003);
    expect(a.frozen.size).toBe(0);
    const b = new LayeredTarget(0.01);
    await runEpochs(new Unfreeze({ atEpoch: 1, layers: ['*'] }), b, series([1, 1]));
    expect(b.lrChanges).toEqual([]);
  });

  it('a resumed run that had unfrozen unfreezes again without changing the (already lowered) rate', async () => {
    const t = new LayeredTarget(0.001);
    const cb = new Unfreeze({ atEpoch: 1, layers: ['*'], lrFactor: 0.1 });
    cb.setTarget(t);
    cb.onTrainBegin();
    cb.setState({ data: { done: true } });
    expect(t.frozen.size).toBe(0);
    cb.onEpochBegin(3);
    expect(t.calls).toHaveLength(1);
    expect(t.lrChanges).toEqual([]);
  });

  it('refuses a target that cannot change which layers train', () => {
    const cb = new Unfreeze({ atEpoch: 0, layers: ['*'] });
    cb.setTarget(new FakeTarget());
    cb.onTrainBegin();
    expect(() => cb.onEpochBegin(0)).toThrow(/unfreeze: the trainer gave no way to change which layers train/);
  });
});
