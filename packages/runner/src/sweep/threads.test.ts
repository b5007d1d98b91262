import { describe, expect, it } from 'vitest';
import { threadEnv, threadShare } from './threads.js';

describe('threadShare', () => {
  it.each([
    [8, 2, 4],
    [8, 3, 2],
    [2, 2, 1],
    [2, 4, 1],
    [1, 1, 1],
    [16, 1, 16],
    [4, 0, 4],
  ])('%i cores / %i parallel → %i threads', (cores, parallel, expected) => expect(threadShare(cores, parallel)).toBe(expected));
});

describe('threadEnv', () => {
  it('sets the TensorFlow pools and OpenMP to the share', () => {
    expect(threadEnv(2, 8)).toEqual({ TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '4', OMP_NUM_THREADS: '4' });
  });
});
