import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { allowBf16Outputs, cpuBf16Flags } from './bfloat16.js';
import { nativeBatchNorm, updateMovingAverage, type BatchNormSpec, type BatchStats } from './batch-norm-op.js';
import { nativeOps, type NativeOps } from './exec.js';
import { rand, valueAndGrads, expectNear, expectBf16Close } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;
const eps = 1e-3;
const pool = { pool: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const };

/** tfjs's training-mode batch norm (the layer's normalizeBatchInTraining): moments over all but the last axis. */
function tfjsTraining(x: tf.Tensor, gamma?: tf.Tensor, beta?: tf.Tensor) {
  const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
  return tf.batchNorm(x, mean, variance, beta, gamma, eps);
}

/** A native batch norm with gamma and beta as differentiable inputs (fixed moving statistics). */
function native(spec: BatchNormSpec, moving: [tf.Tensor1D, tf.Tensor1D], onStats?: (s: BatchStats) => void, compute: 'float32' | 'bfloat16' = 'float32') {
  const op = nativeBatchNorm(nt, spec, compute);
  return (x: tf.Tensor, gamma?: tf.Tensor, beta?: tf.Tensor) =>
    op(x, { gamma: (gamma as tf.Tensor1D) ?? null, beta: (beta as tf.Tensor1D) ?? null, movingMean: moving[0], movingVariance: moving[1] }, { input: true }, {}, onStats);
}

describe('native batch norm (FusedBatchNormV3)', () => {
  const moving: [tf.Tensor1D, tf.Tensor1D] = [tf.tensor1d([0.1, -0.2, 0.3, 0]), tf.tensor1d([0.5, 1.5, 2, 1])];

  for (const shape of [[3, 5, 6, 4], [3, 7, 4], [6, 4]]) {
    it(`training mode on a rank-${shape.length} input matches tfjs's moments → batchNorm in value and gradients, and reports the batch's mean and biased variance`, () => {
      const x = tf.add(tf.mul(rand(shape, 1), 2), 0.5);
      const inputs = [x, tf.add(rand([4], 2), 1), rand([4], 3)];
      const got = valueAndGrads(native({ epsilon: eps, training: true, relu: false }, moving), inputs);
      const want = valueAndGrads(tfjsTraining, inputs);
      expectNear(got.value, want.value);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i]));
      let stats: number[][] = [];
      tf.tidy(() => native({ epsilon: eps, training: true, relu: false }, moving, (s) => (stats = [s.mean.arraySync(), s.variance.arraySync()]))(x));
      const m = tf.moments(x, [...Array(x.rank - 1).keys()]);
      expectNear(stats[0], m.mean.dataSync(), 5);
      expectNear(stats[1], m.variance.dataSync(), 5);
    });
  }

  it('training mode with max pooling and ReLU fused equals batchNorm → ReLU → maxPool, values and gradients', () => {
    const inputs = [rand([2, 6, 8, 4], 4), tf.add(rand([4], 5), 0.2), rand([4], 6)];
    const got = valueAndGrads(native({ epsilon: eps, training: true, relu: true, pool }, moving), inputs);
    const want = valueAndGrads((x, g, b) => tf.maxPool(tf.relu(tfjsTraining(x, g, b)) as tf.Tensor4D, pool.pool, pool.strides, pool.padding), inputs);
    expectNear(got.value, want.value);
    got.grads.forEach((g, i) => expectNear(g, want.grads[i]));
  });

  it('inference mode normalises with the moving statistics, which are constants to the gradient', () => {
    const inputs = [rand([3, 4, 5, 4], 7), rand([4], 8), rand([4], 9)];
    const got = valueAndGrads(native({ epsilon: eps, training: false, relu: true }, moving), inputs);
    const want = valueAndGrads((x, g, b) => tf.relu(tf.batchNorm(x, moving[0], moving[1], b, g, eps)), inputs);
    expectNear(got.value, want.value);
    got.grads.forEach((g, i) => expectNear(g, want.grads[i]));
    let called = false;
    tf.tidy(() => native({ epsilon: eps, training: false, relu: false }, moving, () => (called = true))(inputs[0]));
    expect(called).toBe(false);
  });

  it('a layer without scale and offset normalises with 1 and 0 and returns only the input gradient', () => {
    const x = rand([4, 3, 3, 4], 10);
    const got = valueAndGrads(native({ epsilon: eps, training: true, relu: false }, moving), [x]);
    // (tfjs's batchNorm cannot differentiate without a scale: the reference passes ones and zeros.)
    const want = valueAndGrads((t) => tfjsTraining(t, tf.ones([4]), tf.zeros([4])), [x]);
    expectNear(got.value, want.value);
    expect(got.grads).toHaveLength(1);
    expectNear(got.grads[0], want.grads[0]);
  });

  it("updates a moving statistic as tfjs's BatchNormalization layer does", () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const layerVar = { read: () => v, write: (t: tf.Tensor) => v.assign(t) };
    const before = tf.memory().numTensors;
    updateMovingAverage(layerVar, tf.tensor1d([3, 2, 1]), 0.9);
    expect(tf.memory().numTensors).toBe(before + 1); // the value we passed in
    expectNear(v.dataSync(), [1.2, 2, 2.8], 6);
  });

  it('leaves no tensors behind: the statistics are disposed after onStats', () => {
    const op = native({ epsilon: eps, training: true, relu: true, pool }, moving, () => undefined);
    const [x, g, b] = [rand([2, 4, 4, 4], 11), rand([4], 12), rand([4], 13)];
    const before = tf.memory().numTensors;
    const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(op(xx, gg, bb)))([x, g, b]);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose(grads);
  });
});

const flags = cpuBf16Flags();
describe.skipIf(!flags.avx512_bf16 && !flags.amx_bf16)('native batch norm under mixed bfloat16', () => {
  const moving: [tf.Tensor1D, tf.Tensor1D] = [tf.zeros([8]), tf.ones([8])];
  allowBf16Outputs(nt.backend);
  it('computes in bf16 with float32 statistics, within bf16 tolerance of float32, in both modes', () => {
    const inputs = [tf.add(rand([4, 8, 8, 8], 20), 0.3), tf.add(rand([8], 21), 1), rand([8], 22)];
    for (const training of [true, false]) {
      expectBf16Close((c) => native({ epsilon: eps, training, relu: false }, moving, undefined, c), inputs);
      expectBf16Close((c) => native({ epsilon: eps, training, relu: true, pool }, moving, undefined, c), inputs, 0.1);
    }
  });
});
