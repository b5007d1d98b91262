import { describe, expect, it } from 'vitest';
import type { SweepConfig } from '@xp/core';
import { bestTrialTags, describeSpace, sweepSettingsParams } from './parent-params.js';
import { queueFailureReason } from './queue-executor.js';

const base: SweepConfig = {
  experiment: './e.yaml', metric: { name: 'val_loss', goal: 'minimize' }, method: 'random', max_trials: 4, parallel: 2, seed: 7,
  allow_truncation: false, tpe: { n_ei_candidates: 24, multivariate: true },
  early_termination: { type: 'asha', min_epochs: 1, reduction_factor: 2 },
  parameters: {
    'training.optimizer.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1e-2 },
    'model.dropout': { values: [0.1, 0.3] },
  },
};

describe('sweep parent params', () => {
  it('flatten the settings and the search space into readable params', () => {
    expect(sweepSettingsParams(base)).toEqual({
      'sweep.method': 'random', 'sweep.metric': 'val_loss', 'sweep.goal': 'minimize', 'sweep.max_trials': '4', 'sweep.parallel': '2', 'sweep.seed': '7',
      'sweep.early_termination.type': 'asha', 'sweep.early_termination.min_epochs': '1', 'sweep.early_termination.reduction_factor': '2',
      'space.training.optimizer.learning_rate': 'log_uniform(0.0001, 0.01)', 'space.model.dropout': 'one of [0.1,0.3]',
    });
  });

  it('add the settings of the method in use only', () => {
    const tpe = sweepSettingsParams({ ...base, method: 'tpe', early_termination: undefined });
    expect(tpe).toMatchObject({ 'sweep.tpe.n_ei_candidates': '24', 'sweep.tpe.multivariate': 'true' });
    expect(Object.keys(tpe).filter((k) => k.startsWith('sweep.early_termination') || k === 'sweep.allow_truncation')).toEqual([]);
    expect(sweepSettingsParams({ ...base, method: 'grid' })['sweep.allow_truncation']).toBe('false');
    expect(Object.keys(sweepSettingsParams(base)).some((k) => k.startsWith('sweep.tpe'))).toBe(false);
  });

  it('describe steps, grid points and conditions', () => {
    expect(describeSpace({ distribution: 'int_uniform', min: 1, max: 9, q: 2, grid_points: 3 })).toBe('int_uniform(1, 9) q=2 grid_points=3');
    expect(describeSpace({ values: [[16, 32], 'x'], when: { 'model.type': 'multihead-cnn', 'a.b': 2 } })).toBe('one of [[16,32],"x"] when model.type=multihead-cnn, a.b=2');
  });

  it('tag the best trial with its params (lists as JSON) and value', () => {
    const best = { number: 3, runId: 'r3', state: 'COMPLETE' as const, params: { lr: 0.01, blocks: [1, 2], act: 'relu', none: null }, value: 0.25, intermediate: {} };
    expect(bestTrialTags(best, 'val_loss')).toEqual({
      'best.lr': '0.01', 'best.blocks': '[1,2]', 'best.act': 'relu', 'best.none': 'null', 'best.val_loss': '0.25', 'best.trial': '3', 'best.run_id': 'r3',
    });
  });
});

describe('queueFailureReason', () => {
  it('says that every attempt was lost with its worker when the job stalled too often', () => {
    // BullMQ counts the deferred failure itself as an attempt made (moveToFinished increments it).
    expect(queueFailureReason({ failedReason: 'job stalled more than allowable limit', attemptsMade: 1, stalledCounter: 4 })).toBe(
      '4 attempts, each lost with its worker (killed, or cut off from Redis, before the trial ended)',
    );
    expect(queueFailureReason({ failedReason: 'job stalled more than allowable limit', attemptsMade: 2, stalledCounter: 4 })).toMatch(
      /^4 attempts, each lost with its worker .*; 1 attempt before that failed$/,
    );
  });

  it('says how many attempts failed, and why the last one did, otherwise', () => {
    expect(queueFailureReason({ failedReason: 'worker h:1 shut down during the trial; retrying elsewhere', attemptsMade: 3, stalledCounter: 1 })).toBe(
      '3 attempts failed on the queue and 1 attempt lost with their workers (last: worker h:1 shut down during the trial; retrying elsewhere)',
    );
  });
});
