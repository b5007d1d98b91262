import type { ExperimentConfig } from '@xp/core';

/**
 * Why a warm trial process — TensorFlow already loaded on the native backend with the worker's thread
 * settings — cannot run an experiment, or undefined when it can. TensorFlow fixes its thread pools when it
 * starts, so an experiment with its own `training.threads` needs a fresh process.
 *
 * @example warmMisfit({ ...config, backend: 'cpu' }) // 'backend cpu'
 */
export function warmMisfit(config: Pick<ExperimentConfig, 'backend' | 'training'>): string | undefined {
  if (config.backend !== 'tensorflow') return `backend ${config.backend}`;
  const { intra_op, inter_op } = config.training.threads;
  if (intra_op || inter_op) return `its own training.threads (intra_op ${intra_op}, inter_op ${inter_op})`;
  return undefined;
}
