import * as tf from '@tensorflow/tfjs';

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/**
 * Returns a function that hands out one Glorot-uniform kernel initialiser per call, each with its own seed.
 *
 * One shared seed would give every layer of the same shape identical starting weights (e.g. all heads), so
 * the n-th layer (from 1) gets `seed * 1000 + n`: distinct per layer, yet the same for every build with that
 * seed. Never 0, which some tfjs samplers treat as "no seed". Without a seed, tfjs uses Math.random as usual.
 */
export function kernelInitializers(seed?: number): () => Initializer {
  let n = 0;
  return () => tf.initializers.glorotUniform(seed === undefined ? {} : { seed: seed * 1000 + ++n });
}
