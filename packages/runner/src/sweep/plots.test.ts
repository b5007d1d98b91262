import type { SweepConfig } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { plotName, sweepPlots } from './plots.js';
import type { TrialRecord } from './types.js';

const sweep = {
  metric: { name: 'val_loss', goal: 'minimize' },
  parameters: { 'training.optimizer.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1e-2 }, 'model.filters': { values: [[8], [16]] } },
} as unknown as SweepConfig;
const trials: TrialRecord[] = [
  { number: 0, state: 'COMPLETE', value: 0.3, params: { 'training.optimizer.learning_rate': 0.001, 'model.filters': [8] }, intermediate: { 0: 0.5, 1: 0.3 } },
  { number: 1, state: 'PRUNED', params: { 'training.optimizer.learning_rate': 0.01, 'model.filters': [16] }, intermediate: { 0: 0.9 } },
  { number: 2, state: 'RUNNING', params: {}, intermediate: {} },
];

describe('sweepPlots', () => {
  const plots = sweepPlots(trials, sweep);
  const values = (name: string) => (plots[name] as { data: { values: Record<string, unknown>[] } }).data.values;

  it('makes the trial plot, the learning curves and one plot per parameter', () => {
    expect(Object.keys(plots)).toEqual(['metric_by_trial', 'learning_curves', 'param_training.optimizer.learning_rate', 'param_model.filters']);
  });

  it('plots a pruned trial at its last reported value and leaves out trials without one', () => {
    expect(values('metric_by_trial')).toEqual([
      { trial: 0, state: 'COMPLETE', objective: 0.3, p0: 0.001, p1: '[8]' },
      { trial: 1, state: 'PRUNED', objective: 0.9, p0: 0.01, p1: '[16]' },
    ]);
  });

  it('numbers epochs from 1 in the learning curves', () => {
    expect(values('learning_curves').map((r) => [r.trial, r.epoch, r.value])).toEqual([[0, 1, 0.5], [0, 2, 0.3], [1, 1, 0.9]]);
  });

  it('uses a log axis for log-uniform parameters', () => {
    const enc = (plots['param_training.optimizer.learning_rate'] as { encoding: { x: { scale: unknown } } }).encoding.x;
    expect(enc.scale).toEqual({ type: 'log' });
  });

  it('makes file-name-safe plot names', () => expect(plotName('augment[0].p')).toBe('param_augment_0_.p'));
});
