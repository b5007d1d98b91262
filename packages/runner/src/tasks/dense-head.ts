import * as tf from '@tensorflow/tfjs';
import type { Trunk } from '@xp/models';

/** One Dense(units) layer named `name` on the trunk's features, initialised after the trunk's own layers. */
export function denseHead(trunk: Trunk, units: number, name: string): tf.SymbolicTensor[] {
  const dense = tf.layers.dense({ units, kernelInitializer: trunk.init(), kernelRegularizer: trunk.kernelRegularizer, name });
  return [dense.apply(trunk.features()) as tf.SymbolicTensor];
}
