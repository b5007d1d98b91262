import type { SweepConfig } from '@xp/core';
import { describe, expect, it, vi } from 'vitest';
import { FakeTarget } from '../callbacks/testing.js';
import type { SweepStore } from './sweep-store.js';
import { TrialPruning } from './trial-callback.js';
import type { TrialSpec } from './trial-spec.js';
import type { Pruner, TrialRecord } from './types.js';

const spec = {
  sweepId: 'p', parentRunId: 'p', experimentId: '1', trialNumber: 2, attempt: 'a-1', params: { lr: 0.1 },
  sweep: { metric: { name: 'val_acc', goal: 'maximize' } } as SweepConfig,
} as TrialSpec;

function setup(decide: (trial: TrialRecord, epoch: number, history: readonly TrialRecord[]) => boolean, o: { runId?: string | null; epochs?: number } = {}) {
  const runId = o.runId === undefined ? 'run-2' : o.runId;
  const others: TrialRecord[] = [
    { number: 0, state: 'COMPLETE', value: 0.9, params: {}, intermediate: { 0: 0.8 } },
    { number: 2, state: 'RUNNING', params: {}, intermediate: {} }, // this trial as MLflow last saw it
  ];
  const setTags = vi.fn(async () => undefined);
  const store = { trials: vi.fn(async () => others), attemptRunId: vi.fn(async () => runId ?? undefined), client: { setTags } } as unknown as SweepStore;
  const shouldPrune = vi.fn((t: TrialRecord, e: number, h: readonly TrialRecord[]) => ({ prune: decide(t, e, h), reason: 'below the rung' }));
  const pruner: Pruner = { name: 'fake', shouldPrune };
  const cb = new TrialPruning({ spec, pruner, store, log: () => {}, epochs: o.epochs });
  const target = new FakeTarget();
  cb.setTarget(target);
  cb.onTrainBegin();
  return { cb, target, setTags, shouldPrune };
}

describe('TrialPruning', () => {
  it('passes the pruner this trial with its own intermediate values, among the others', async () => {
    const { cb, target, shouldPrune } = setup(() => false);
    await cb.onEpochEnd(0, { val_acc: 0.5 });
    await cb.onEpochEnd(1, { val_acc: 0.6 });
    const [trial, epoch, history] = shouldPrune.mock.calls[1];
    expect(trial).toEqual({ number: 2, params: { lr: 0.1 }, state: 'RUNNING', intermediate: { 0: 0.5, 1: 0.6 } });
    expect(epoch).toBe(1);
    expect(history.map((t) => t.number)).toEqual([0, 2]);
    expect(history[1]).toBe(trial);
    expect(target.stopTraining).toBe(false);
  });

  it('tags the run as pruned before it stops training', async () => {
    const { cb, target, setTags } = setup((_t, epoch) => epoch === 1);
    await cb.onEpochEnd(0, { val_acc: 0.5 });
    await cb.onEpochEnd(1, { val_acc: 0.4 });
    expect(setTags).toHaveBeenCalledWith('run-2', { 'xp.pruned': 'epoch 2: below the rung' });
    expect(target.stopTraining).toBe(true);
    expect(target.stopReason).toBe('sweep_pruner: pruned at epoch 2: below the rung');
    expect(cb.pruned).toBe('epoch 2: below the rung');
  });

  it('does not prune when its run cannot be found to tag (it would read as complete)', async () => {
    const { cb, target, setTags } = setup(() => true, { runId: null });
    await cb.onEpochEnd(0, { val_acc: 0.1 });
    expect(setTags).not.toHaveBeenCalled();
    expect(target.stopTraining).toBe(false);
  });

  it('decides nothing after the last epoch (stopping then saves nothing)', async () => {
    const { cb, target, shouldPrune } = setup(() => true, { epochs: 2 });
    await cb.onEpochEnd(1, { val_acc: 0.1 });
    expect(shouldPrune).not.toHaveBeenCalled();
    expect(target.stopTraining).toBe(false);
  });

  it('skips epochs without the metric', async () => {
    const { cb, shouldPrune } = setup(() => true);
    await cb.onEpochEnd(0, { loss: 1 });
    await cb.onEpochEnd(1, { val_acc: NaN });
    expect(shouldPrune).not.toHaveBeenCalled();
  });

  it('resets its state in onTrainBegin', async () => {
    const { cb, shouldPrune } = setup(() => false);
    await cb.onEpochEnd(0, { val_acc: 0.5 });
    cb.pruned = 'stale';
    cb.onTrainBegin();
    expect(cb.pruned).toBeUndefined();
    await cb.onEpochEnd(0, { val_acc: 0.7 });
    expect(shouldPrune.mock.calls[1][0].intermediate).toEqual({ 0: 0.7 });
  });
});
