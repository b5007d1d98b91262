import { describe, expect, it, vi } from 'vitest';
import { Monitor, type MonitorOptions } from './monitor.js';

describe('Monitor', () => {
  it.each<{ opts: MonitorOptions; best: number | undefined; current: number; improves: boolean }>([
    { opts: {}, best: undefined, current: 5, improves: true },
    { opts: {}, best: undefined, current: NaN, improves: false },
    { opts: {}, best: 1, current: 0.99, improves: true },
    { opts: {}, best: 1, current: 1, improves: false },
    { opts: { minDelta: 0.1 }, best: 1, current: 0.95, improves: false },
    { opts: { minDelta: 0.1 }, best: 1, current: 0.85, improves: true },
    { opts: { mode: 'max' }, best: 0.5, current: 0.6, improves: true },
    { opts: { mode: 'max', minDelta: 0.2 }, best: 0.5, current: 0.6, improves: false },
    { opts: { mode: 'max' }, best: 0.5, current: NaN, improves: false },
  ])('$opts: best $best, current $current → improves $improves', ({ opts, best, current, improves }) => {
    const m = new Monitor('test', opts, () => {});
    m.best = best;
    expect(m.isImprovement(current)).toBe(improves);
    expect(m.update(current)).toBe(improves);
    expect(m.best).toBe(improves ? current : best);
  });

  it('warns once per run about a missing key, listing what exists', () => {
    const log = vi.fn();
    const m = new Monitor('cb', { monitor: 'val_loss' }, log);
    expect(m.read({ loss: 1, acc: 0.5 })).toBeUndefined();
    expect(m.read({})).toBeUndefined();
    expect(log.mock.calls).toEqual([
      ["cb: metric 'val_loss' is not in the epoch logs, so it is ignored. Available: loss, acc. Set monitor to one of them (val_* metrics need validation data)."],
    ]);
    m.reset();
    m.read({});
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[1][0]).toContain('Available: (none).');
  });

  it.each<{ opts: MonitorOptions; message: string }>([
    { opts: { mode: 'auto' as 'min' }, message: "cb: mode must be 'min' or 'max', received mode='auto'." },
    { opts: { minDelta: -0.1 }, message: 'cb: min_delta must be a finite number ≥ 0, received min_delta=-0.1.' },
    { opts: { monitor: '' }, message: "cb: monitor must name a metric, received monitor=''." },
  ])('rejects $opts, repeating the value', ({ opts, message }) => {
    expect(() => new Monitor('cb', opts, () => {})).toThrow(message);
  });
});
