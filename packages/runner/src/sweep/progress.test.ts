import { describe, expect, it } from 'vitest';
import { formatParams, statusLine } from './progress.js';
import type { TrialRecord } from './types.js';

const t = (number: number, state: TrialRecord['state'], value?: number): TrialRecord => ({ number, state, value, params: {}, intermediate: {} });

describe('statusLine', () => {
  it('counts finished, running, pruned and failed trials and names the best', () => {
    const trials = [t(0, 'COMPLETE', 0.91234567), t(1, 'PRUNED'), t(2, 'RUNNING'), t(3, 'COMPLETE', 0.5), t(4, 'FAILED')];
    expect(statusLine(trials, 40, 'val_exact_match', 'maximize')).toBe('4/40 done (1 running, 1 pruned, 1 failed) | best val_exact_match 0.9123 (trial 0)');
  });

  it('shows no best before a trial completes', () => {
    expect(statusLine([t(0, 'RUNNING')], 4, 'val_loss', 'minimize')).toBe('0/4 done (1 running, 0 pruned, 0 failed) | best val_loss -');
  });
});

describe('formatParams', () => {
  it('shortens dotted names to their last part and numbers to 4 digits', () => {
    expect(formatParams({ 'training.optimizer.learning_rate': 0.000123456, 'model.filters': [8, 16], 'model.type': 'x' })).toBe('learning_rate=0.0001235 filters=[8,16] type="x"');
  });
});
