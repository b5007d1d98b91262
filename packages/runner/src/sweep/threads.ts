// Trials running side by side share the machine's cores. Left alone, every TensorFlow process sizes its
// thread pools to all cores, and `parallel` of them oversubscribe the CPU (slower than running one at a time).
import os from 'node:os';

/** Threads per trial: floor(cores / parallel), at least 1. */
export function threadShare(cores: number, parallel: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, parallel)));
}

/**
 * Environment that pins a trial to its share of cores: TensorFlow's intra- and inter-op pools and OpenMP
 * (oneDNN). An experiment's own `training.threads` still wins (the backend loader sets them when non-zero).
 *
 * @param parallel - Trials running at once on this machine.
 * @param cores - Cores available. Defaults to `os.availableParallelism()`.
 * @example threadEnv(2, 8) // { TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '4', OMP_NUM_THREADS: '4' }
 */
export function threadEnv(parallel: number, cores = os.availableParallelism()): Record<string, string> {
  const n = String(threadShare(cores, parallel));
  return { TF_NUM_INTRAOP_THREADS: n, TF_NUM_INTEROP_THREADS: n, OMP_NUM_THREADS: n };
}
