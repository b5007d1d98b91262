// Test helpers (excluded from the build, see tsconfig.json) shared by the native layer-op tests.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { observeNativeOps } from './exec.js';

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

/** Element-wise |a − b| ≤ 10^−digits · max(1, |b|), reported as the worst element (one assertion, fast on big arrays). */
export function expectNear(a: ArrayLike<number>, b: ArrayLike<number>, digits = 4) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThan(10 ** -digits);
}

/** Worst element error relative to b's largest magnitude, and the relative L2 error, of `a` against `b`. */
export function relErrors(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let [worst, scale, d2, b2] = [0, 0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    worst = Math.max(worst, Math.abs(d));
    scale = Math.max(scale, Math.abs(b[i]));
    d2 += d * d;
    b2 += b[i] * b[i];
  }
  return { max: worst / scale, l2: Math.sqrt(d2 / b2) };
}

/**
 * `f` under float32 and under bfloat16 on the same inputs: values within 1e-2 of the largest element and not
 * identical (so bf16 ran); gradients within 1e-2 likewise, or, when `kinkedL2` is given (an op with a ReLU or
 * max pooling, where bf16's rounding moves a few elements across the kink), a relative L2 error under it.
 */
export function expectBf16Close(f: (compute: 'float32' | 'bfloat16') => (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], kinkedL2?: number) {
  const f32 = valueAndGrads(f('float32'), inputs);
  const bf16 = valueAndGrads(f('bfloat16'), inputs);
  const value = relErrors(bf16.value, f32.value);
  expect(value.max).toBeLessThan(1e-2);
  expect(value.max).toBeGreaterThan(0);
  expect(bf16.grads).toHaveLength(inputs.length);
  bf16.grads.forEach((g, i) => {
    const e = relErrors(g, f32.grads[i]);
    if (kinkedL2 !== undefined) expect(e.l2).toBeLessThan(kinkedL2);
    else expect(e.max).toBeLessThan(1e-2);
  });
}

/** The native ops `f` runs, by name, in order. */
export function opsRun(f: () => void): string[] {
  const ran: string[] = [];
  observeNativeOps((name) => ran.push(name));
  try {
    f();
  } finally {
    observeNativeOps(null);
  }
  return ran;
}
