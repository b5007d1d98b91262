import { ModelConfigError } from './errors.js';

/** What a model builder needs to know about the data, besides its own options. */
export interface ModelShape {
  /** Canvas height in pixels (28 for MNIST digits). */
  height: number;
  /** Canvas width in pixels (28 × the longest sequence, e.g. 84). */
  width: number;
  /** Digit positions, i.e. heads (1–4). */
  maxLen: number;
  /** Classes per position: 10 digits + blank = 11. */
  numClasses: number;
  /** Seed of the weight initialisers; omit for random init. */
  seed?: number;
}

/** Throws a {@link ModelConfigError} unless every size in `shape` is a positive integer. */
export function checkShape(shape: ModelShape): void {
  for (const key of ['height', 'width', 'maxLen', 'numClasses'] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new ModelConfigError('XP_CONFIG_MODEL_SHAPE', `model shape: ${key} must be a positive integer, received ${key}=${v}.`);
    }
  }
}

/** One 2×2 max-pool layer of an architecture: its layer name and the option that adds it. */
export interface PoolLayer {
  /** Name the layer gets in the model, e.g. `block_4_pool`. */
  layer: string;
  /** Dotted path of the option that adds it, e.g. `model.blocks[4]`. */
  option: string;
}

/**
 * Throws a {@link ModelConfigError} if the 2×2 max-pools `pools` (in order) would shrink the canvas to nothing,
 * naming the first pool layer that would, its option and its input and output sizes.
 *
 * Checked before any layer exists (convolutions are same-padded, so only pools change the size), because
 * tfjs otherwise builds a 0-sized layer and fails later, deep in the graph or the first training step, with an
 * error that names neither the option nor the canvas.
 *
 * @example checkPooling({ height: 28, width: 84, maxLen: 3, numClasses: 11 }, [{ layer: 'pool_0', option: 'model.filters[0]' }])
 */
export function checkPooling(shape: ModelShape, pools: readonly PoolLayer[]): void {
  let [h, w] = [shape.height, shape.width];
  for (const [n, pool] of pools.entries()) {
    if (h < 2 || w < 2) {
      throw new ModelConfigError(
        'XP_CONFIG_MODEL_SHAPE',
        `${pool.option}: max-pool layer ${pool.layer} (pool ${n + 1}) would shrink its ${h}×${w} input to ${Math.floor(h / 2)}×${Math.floor(w / 2)}; ` +
          `the ${shape.height}×${shape.width} canvas takes at most ${n} pools. Use fewer pooling layers or a larger data.canvas.`,
      );
    }
    [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
  }
}
