import type { CheckIssue } from '@xp/core';
import { ModelConfigError } from './errors.js';

/** One 2×2 max-pool an architecture's options ask for: the option that adds it and how to drop it. */
export interface PoolSite {
  /** JSON pointer of the option, e.g. `/model/blocks/4`. */
  pointer: string;
  /** Name the layer gets in the model, e.g. `block_4_pool`. */
  layer: string;
  /** How to drop this pool, for the message. */
  fix: string;
}

/** `/model/blocks/4` as people read it: `model.blocks[4]`. */
export const dotted = (pointer: string) => pointer.slice(1).split('/').map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : `${i ? '.' : ''}${s}`)).join('');

/**
 * The first 2×2 max-pool of `pools` (in order) that would shrink an [H, W, …] input to nothing, as a config issue at
 * its option, or none. Convolutions are same-padded, so only pools change the size. Checked before any layer exists
 * (by `xp validate` too), because tfjs otherwise builds a 0-sized layer and fails later with an error that names
 * neither the option nor the input.
 */
export function poolingIssues(inputShape: readonly number[], pools: readonly PoolSite[]): CheckIssue[] {
  const [H, W] = inputShape;
  let [h, w] = [H, W];
  const sizes: string[] = [];
  for (const [n, site] of pools.entries()) {
    sizes.push(`${h}×${w}`);
    const out = [Math.floor(h / 2), Math.floor(w / 2)];
    if (out[0] >= 1 && out[1] >= 1) {
      [h, w] = out;
      continue;
    }
    const message =
      `${dotted(site.pointer)}: its 2×2 max-pool ${site.layer} (pool ${n + 1} of the model) would shrink the ${h}×${w} feature map to ${out[0]}×${out[1]}; ` +
      `a ${H}×${W} input takes at most ${n} pools (${sizes.join(' → ')}): ${site.fix}, or enlarge the input image`;
    return [{ pointer: site.pointer, message }];
  }
  return [];
}

/** Throws the first of {@link poolingIssues} as a {@link ModelConfigError}. */
export function checkPooling(inputShape: readonly number[], pools: readonly PoolSite[]): void {
  const [issue] = poolingIssues(inputShape, pools);
  if (issue) throw new ModelConfigError('XP_CONFIG_MODEL_SHAPE', issue.message, { pointer: issue.pointer });
}

/** Throws a {@link ModelConfigError} unless `inputShape` has `rank` positive integer sizes. */
export function checkInputShape(inputShape: readonly number[], rank: number, model: string): void {
  if (inputShape.length !== rank || !inputShape.every((v) => Number.isInteger(v) && v >= 1)) {
    const what = rank === 3 ? 'images [height, width, channels]' : 'vectors [features]';
    throw new ModelConfigError('XP_CONFIG_MODEL_SHAPE', `model ${model} takes ${what}, but the data gives [${inputShape.join(', ')}]; choose a model for this data.`);
  }
}

/** `fn` made once, on first call: a trunk's lazily built layers (features, flat) are shared by every head. */
export function once<T>(fn: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: fn() }).value;
}
