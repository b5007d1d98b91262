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

/** Throws unless every size in `shape` is a positive integer. */
export function checkShape(shape: ModelShape): void {
  for (const key of ['height', 'width', 'maxLen', 'numClasses'] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`model shape: ${key} must be a positive integer, received ${key}=${v}.`);
    }
  }
}

/**
 * Throws if `pools` 2×2 max-pools would shrink the canvas to nothing.
 *
 * Checked up front because tfjs otherwise fails deep inside the layer graph with a negative-dimension
 * error that names neither the option nor the canvas.
 */
export function checkPooling(shape: ModelShape, pools: number, option: string): void {
  let h = shape.height;
  let w = shape.width;
  for (let i = 0; i < pools; i++) {
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  if (h < 1 || w < 1) {
    const maxPools = Math.floor(Math.log2(Math.min(shape.height, shape.width)));
    throw new Error(
      `model: ${option} gives ${pools} 2×2 max-pools, which shrink the ${shape.height}×${shape.width} canvas to ${h}×${w}. ` +
        `Use at most ${maxPools} pooling layers.`,
    );
  }
}
