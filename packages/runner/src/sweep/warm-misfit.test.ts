import { describe, expect, it } from 'vitest';
import { warmMisfit } from './warm-misfit.js';

const config = (backend: 'tensorflow' | 'cpu', intra_op = 0, inter_op = 0) => ({ backend, training: { threads: { intra_op, inter_op } } }) as Parameters<typeof warmMisfit>[0];

describe('warmMisfit', () => {
  it.each([
    [config('tensorflow'), undefined],
    [config('cpu'), 'backend cpu'],
    [config('tensorflow', 4), 'its own training.threads (intra_op 4, inter_op 0)'],
    [config('tensorflow', 0, 1), 'its own training.threads (intra_op 0, inter_op 1)'],
  ])('tells whether a warm process can run the experiment (%#)', (c, why) => {
    expect(warmMisfit(c)).toBe(why);
  });
});
