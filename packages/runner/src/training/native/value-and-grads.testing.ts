// Test helpers (excluded from the build, see tsconfig.json) shared by the native layer-op tests.
import * as tf from '@tensorflow/tfjs';

/** A seeded uniform tensor in [-1, 1). */
export const rand = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

/** Values and gradients (w.r.t. every input) of `f` under a fixed random cotangent, as plain arrays. */
export function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) {
  const [y, ...grads] = tf.tidy(() => {
    const out = f(...inputs);
    const dy = rand(out.shape, 99);
    return [out, ...tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), dy)))(inputs)];
  });
  // Read outside tidy: tidy would walk every element of a returned typed array looking for tensors.
  const result = { value: y.dataSync(), grads: grads.map((g) => g.dataSync()) };
  tf.dispose([y, ...grads]);
  return result;
}
