// Test helper (excluded from the build): a tiny trunk over [F] vectors, as a model would build it.
import * as tf from '@tensorflow/tfjs';
import type { Trunk } from '@xp/models';

/** A trunk: input [features] → Dense(8, relu) features, seeded initialisers. */
export function fakeTrunk(features = 4, seed = 1): Trunk {
  const input = tf.input({ shape: [features] });
  let next = seed;
  const init = () => tf.initializers.glorotUniform({ seed: next++ });
  let feats: tf.SymbolicTensor | undefined;
  return {
    type: 'fake',
    input,
    flat: () => input,
    features: () => (feats ??= tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: init() }).apply(input) as tf.SymbolicTensor),
    init,
    heads: { kind: 'stacked', hiddenUnits: 0, dropout: 0, lengthHead: false },
  };
}
