import type { SweepConfig } from '@xp/core';

/** A validated sweep config for tests: the example, with `over` applied. */
export const sweepConfig = (over: Partial<SweepConfig> = {}): SweepConfig => ({
  experiment: './06-final.yaml',
  metric: { name: 'val_exact_match', goal: 'maximize' },
  method: 'tpe',
  max_trials: 40,
  parallel: 2,
  seed: 0,
  allow_truncation: false,
  tpe: { n_ei_candidates: 24, multivariate: true },
  parameters: { 'model.dropout': { values: [0.2, 0.3, 0.5] }, 'training.batch_size': { values: [64, 128] } },
  ...over,
});
