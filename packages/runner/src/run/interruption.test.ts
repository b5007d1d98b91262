import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTarget } from '../callbacks/testing.js';
import { signalExitCode } from './errors.js';
import { Interruption } from './interruption.js';

// Signals come from an EventEmitter standing in for `process`, and exit is a spy: no real signal is sent.
function setup(opts: { graceMs?: number; forceMs?: number } = {}) {
  const signals = new EventEmitter();
  const exit = vi.fn<(code: number) => void>();
  const lines: string[] = [];
  const stop = new Interruption({ signals, exit, log: (m) => lines.push(m), ...opts });
  const send = (s: NodeJS.Signals) => signals.emit(s, s);
  return { signals, exit, lines, stop, send };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Interruption', () => {
  it('maps signals to shell exit codes', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });

  it('stops training at the next batch boundary instead of exiting, and records the epoch reached', () => {
    const { stop, send, exit, lines } = setup();
    const target = new FakeTarget();
    stop.setTarget(target);
    stop.onEpochBegin(0);
    stop.onEpochBegin(1);
    send('SIGINT');
    expect(target.stopTraining).toBe(true);
    expect(target.stopReason).toBe('interrupted by SIGINT');
    expect(stop).toMatchObject({ signal: 'SIGINT', epoch: 1 });
    expect(exit).not.toHaveBeenCalled();
    expect(lines.join('\n')).toMatch(/SIGINT: stopping after the current batch/);
    stop.dispose();
  });

  it('passes a signal that came before training on to the trainer', () => {
    const { stop, send } = setup();
    send('SIGTERM');
    const target = new FakeTarget();
    stop.setTarget(target);
    expect(target.stopTraining).toBe(true);
    expect(stop.epoch).toBeUndefined();
    stop.dispose();
  });

  it('exits at once on a second signal, after the force clean-up', async () => {
    const { stop, send, exit } = setup();
    const onForce = vi.fn(async () => undefined);
    stop.onForce = onForce;
    send('SIGTERM');
    send('SIGINT');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(143));
    expect(onForce).toHaveBeenCalledOnce();
    stop.dispose();
  });

  it('exits when the graceful shutdown outlasts the grace period, not waiting forever on the clean-up', async () => {
    vi.useFakeTimers();
    const { stop, send, exit } = setup({ graceMs: 8000, forceMs: 1500 });
    stop.onForce = () => new Promise(() => undefined); // a server that never answers
    send('SIGINT');
    await vi.advanceTimersByTimeAsync(7999);
    expect(exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1 + 1500);
    expect(exit).toHaveBeenCalledWith(130);
    stop.dispose();
  });

  it('stops listening and cancels the forced exit once disposed', async () => {
    vi.useFakeTimers();
    const { stop, send, signals, exit } = setup({ graceMs: 100 });
    send('SIGINT');
    stop.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(exit).not.toHaveBeenCalled();
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });
});
