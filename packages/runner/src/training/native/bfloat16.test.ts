import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { sequenceModel } from '../../testing/experiment.testing.js';
import { describe, expect, it } from 'vitest';
import { cpuBf16Flags, probeBf16Conv } from './bfloat16.js';
import { NativeOps, nativeOps, observeNativeOps } from './exec.js';
import { nativeConv2d, nativeConvPool, nativeDense, nativeReshape, nativeTranspose, type ComputeDtype, type GradNeeds } from './layer-ops.js';
import { bf16Support, resolvePrecision, type Bf16Support } from './precision.js';
import { trainingForward } from './training-forward.js';
import { opsRun, rand, relErrors as errors, valueAndGrads } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;
const flags = cpuBf16Flags();
const bf16Here = flags.avx512_bf16 || flags.amx_bf16;

/**
 * One layer op under float32 and bfloat16 on the same inputs. Values: every element within 1e-2 of the largest
 * (bf16 keeps ~3 significant digits; relative error per element is meaningless near zero), and not identical
 * (so bf16 ran). Gradients: the same bound for a linear op; for one with a ReLU or max pooling, a relative L2
 * error under `kinkedL2`, because bf16's rounding moves a few elements across ReLU's zero or changes a pooling
 * window's winner, sending their whole gradient elsewhere (measured 2–4 %, as under Keras's mixed policy).
 * The bias gradient is a float32 sum in both, so it is equal unless such an element moved.
 */
function compareDtypes(
  make: (c: ComputeDtype) => (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor | null, needs: GradNeeds) => tf.Tensor,
  inputs: tf.Tensor[],
  kinked: boolean,
) {
  const apply = (c: ComputeDtype) => {
    const op = make(c);
    return (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => op(x, k, b ?? null, { input: true });
  };
  const f32 = valueAndGrads(apply('float32'), inputs);
  const bf16 = valueAndGrads(apply('bfloat16'), inputs);
  const value = errors(bf16.value, f32.value);
  expect(value.max).toBeLessThan(1e-2);
  expect(value.max).toBeGreaterThan(0);
  expect(bf16.grads).toHaveLength(inputs.length);
  bf16.grads.forEach((g, i) => {
    const e = errors(g, f32.grads[i]);
    if (kinked) expect(e.l2).toBeLessThan(0.1);
    else expect(e.max).toBeLessThan(1e-2);
  });
}

describe.skipIf(!bf16Here)('mixed bfloat16 layer ops (this CPU has AVX512-BF16/AMX-BF16)', () => {
  it('the one-time probe runs a bf16 Conv2D here, once, leaving no tensors', () => {
    const fresh = new NativeOps(nt.backend);
    const before = tf.memory().numTensors;
    expect(probeBf16Conv(fresh)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    const seen: string[] = [];
    observeNativeOps((op) => seen.push(op));
    try {
      expect(probeBf16Conv(fresh)).toBeNull();
    } finally {
      observeNativeOps(null);
    }
    expect(seen).toEqual([]); // cached
    expect(bf16Support().available).toBe(true);
  });

  for (const relu of [false, true]) {
    const spec = { relu, padding: 'same' as const, strides: [1, 1] as [number, number] };
    const pool = { pool: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const };
    const convInputs = (seed: number) => [rand([4, 12, 16, 8], seed), rand([3, 3, 8, 16], seed + 1), rand([16], seed + 2)];

    it(`conv2d (relu: ${relu}): values and gradients within bf16 tolerance of float32`, () => {
      compareDtypes((c) => (x, k, b, needs) => nativeConv2d(nt, spec, c)(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D | null, needs), convInputs(1), relu);
    });

    it(`conv → pool (relu: ${relu}): values and gradients within bf16 tolerance of float32`, () => {
      compareDtypes((c) => (x, k, b, needs) => nativeConvPool(nt, spec, pool, c)(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D | null, needs), convInputs(4), true);
    });

    for (const [what, [n, k, m]] of [['small', [16, 64, 32]], ['large (BatchMatMul input gradient)', [8, 2048, 1024]]] as const) {
      it(`dense, ${what} (relu: ${relu}): values and gradients within bf16 tolerance of float32`, () => {
        compareDtypes((c) => (x, w, b, needs) => nativeDense(nt, relu, c)(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D | null, needs), [
          rand([n, k], 7), rand([k, m], 8), rand([m], 9),
        ], relu);
      });
    }
  }

  const convSpec = { relu: true, padding: 'same' as const, strides: [1, 1] as [number, number] };
  const pool2 = { pool: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const };

  it('casts at its boundary only: input, kernel, bias and output forward, their gradients backward', () => {
    const op = nativeConvPool(nt, convSpec, pool2, 'bfloat16');
    const inputs = [rand([2, 8, 8, 3], 10), rand([3, 3, 3, 4], 11), rand([4], 12)];
    let result: ReturnType<typeof valueAndGrads> | undefined;
    const ran = opsRun(() => {
      result = valueAndGrads((x, k, b) => op(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D, { input: true }), inputs);
    });
    // valueAndGrads runs the forward twice (value, then under the gradient): 4 casts each, 4 in the backward.
    expect(ran.filter((o) => o === 'Cast')).toHaveLength(12);
    // What tfjs read back is float32: a bf16 handle read as float32 would have thrown.
    expect([result!.value, ...result!.grads].every((a) => a.every(Number.isFinite))).toBe(true);
  });

  it('along a bf16 edge the value and its gradient cross without casts, with the same results bit for bit', () => {
    const [a, b] = [nativeConvPool(nt, convSpec, pool2, 'bfloat16'), nativeConvPool(nt, convSpec, pool2, 'bfloat16')];
    const inputs = [rand([2, 8, 12, 3], 13), rand([3, 3, 3, 4], 14), rand([4], 15), rand([3, 3, 4, 5], 16), rand([5], 17)];
    const chain = (edge: boolean) => (x: tf.Tensor, k1: tf.Tensor, b1: tf.Tensor, k2: tf.Tensor, b2: tf.Tensor) =>
      b(a(x as tf.Tensor4D, k1 as tf.Tensor4D, b1 as tf.Tensor1D, { input: true }, { output: edge }), k2 as tf.Tensor4D, b2 as tf.Tensor1D, { input: true }, { input: edge });
    const results: ReturnType<typeof valueAndGrads>[] = [];
    const casts = [false, true].map((edge) => opsRun(() => results.push(valueAndGrads(chain(edge), inputs))).filter((o) => o === 'Cast').length);
    expect(results[1].value).toEqual(results[0].value);
    results[1].grads.forEach((g, i) => expect(g).toEqual(results[0].grads[i]));
    // Per forward 2 casts fewer (a's output out, b's input in), and 2 in the backward (b's input gradient, a's output gradient).
    expect(casts[0] - casts[1]).toBe(2 * 2 + 2);
  });

  it('reshape and transpose carry a bf16 edge from a convolution to a dense, with the same results bit for bit as casting', () => {
    const conv = nativeConv2d(nt, convSpec, 'bfloat16');
    const [transpose, reshape, dense] = [nativeTranspose(nt, [0, 2, 1, 3]), nativeReshape(nt), nativeDense(nt, false, 'bfloat16')];
    const inputs = [rand([2, 4, 6, 3], 18), rand([3, 3, 3, 5], 19), rand([4 * 6 * 5, 7], 20)];
    const chain = (edge: boolean) => (x: tf.Tensor, k: tf.Tensor, w: tf.Tensor) => {
      const y = conv(x as tf.Tensor4D, k as tf.Tensor4D, null, { input: true }, { output: edge });
      const flat = reshape(transpose(y, { input: edge, output: edge }), [2, -1], { input: edge, output: edge });
      return dense(flat as tf.Tensor2D, w as tf.Tensor2D, null, { input: true }, { input: edge });
    };
    const [cast, edged] = [false, true].map((edge) => valueAndGrads(chain(edge), inputs));
    expect(edged.value).toEqual(cast.value);
    edged.grads.forEach((g, i) => expect(g).toEqual(cast.grads[i]));
    // And they are tfjs's transpose and reshape: the float32 chain through them matches tfjs's own.
    const f32 = valueAndGrads((x) => reshape(transpose(x), [2, -1]), [inputs[0]]);
    const ref = valueAndGrads((x) => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [2, -1]), [inputs[0]]);
    expect(f32.value).toEqual(ref.value);
    expect(f32.grads[0]).toEqual(ref.grads[0]);
  });

  it('refuses bf16 edges under float32', () => {
    const op = nativeConv2d(nt, convSpec, 'float32');
    expect(() => op(rand([1, 4, 4, 1], 1) as tf.Tensor4D, rand([3, 3, 1, 2], 2) as tf.Tensor4D, null, { input: true }, { output: true })).toThrow(/need compute bfloat16/);
  });

  /** Trains a tiny baseline CNN from a fixed initialisation on one fixed batch: the loss per step and the tensor count after it. */
  async function trainTiny(precision: 'float32' | 'mixed_bfloat16', steps: number) {
    const model = await sequenceModel({ type: 'baseline-cnn', filters: [8, 16], kernel_size: 3, dense_units: 32, dropout: 0, length_head: false }, 3);
    const forward = trainingForward(model, { precision });
    const x = tf.randomUniform([32, 28, 84, 1], 0, 1, 'float32', 5);
    const labels = tf.oneHot(tf.randomUniform([32, 3], 0, 11, 'int32', 6), 11);
    const optimizer = tf.train.adam(3e-3);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < steps; step++) {
      const cost = optimizer.minimize(() => {
        const logits = tf.reshape(forward(x) as tf.Tensor, [32, 3, 11]);
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, true, vars) as tf.Scalar;
      losses.push(cost.dataSync()[0]);
      cost.dispose();
      counts.push(tf.memory().numTensors);
    }
    const dtypes = model.trainableWeights.map((w) => w.read().dtype);
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
    return { losses, counts, dtypes };
  }

  it('a tiny model trains under mixed_bfloat16 as under float32 (loss decreases), with a flat tensor count across steps', async () => {
    const bf16 = await trainTiny('mixed_bfloat16', 30);
    const f32 = await trainTiny('float32', 30);
    expect(bf16.losses.every(Number.isFinite)).toBe(true);
    expect(bf16.losses[0]).toBeCloseTo(f32.losses[0], 2); // same initialisation, forward within bf16's rounding
    expect(bf16.losses[29]).toBeLessThan(0.7 * bf16.losses[0]);
    expect(Math.abs(bf16.losses[29] - f32.losses[29])).toBeLessThan(0.1 * f32.losses[0]);
    expect(new Set(bf16.counts.slice(1)).size).toBe(1); // step 0 creates Adam's slots
    expect(bf16.dtypes.every((d) => d === 'float32')).toBe(true); // the weights stay float32 variables
  });
});

describe('precision resolution', () => {
  const cpuinfo = (extra: string) => `processor\t: 0\nflags\t\t: fpu sse avx2 avx512f${extra}\n`;
  const without: Bf16Support = { avx512_bf16: false, amx_bf16: false, amx_tile: false, tensorflow: null, available: false, reason: 'no bf16 here' };
  const withIt: Bf16Support = { avx512_bf16: true, amx_bf16: true, amx_tile: true, tensorflow: true, available: true };

  it('reads the bf16 flags from /proc/cpuinfo text', () => {
    expect(cpuBf16Flags(cpuinfo(' amx_bf16 amx_tile avx512_bf16'))).toEqual({ avx512_bf16: true, amx_bf16: true, amx_tile: true });
    expect(cpuBf16Flags(cpuinfo(' avx512_bf16'))).toEqual({ avx512_bf16: true, amx_bf16: false, amx_tile: false });
    expect(cpuBf16Flags(cpuinfo(' avx512_vnni'))).toEqual({ avx512_bf16: false, amx_bf16: false, amx_tile: false });
    expect(cpuBf16Flags('')).toEqual({ avx512_bf16: false, amx_bf16: false, amx_tile: false });
  });

  it('is unavailable on a CPU without the flags, before any probe', () => {
    const s = bf16Support(cpuinfo(' avx512_vnni'));
    expect(s).toMatchObject({ available: false, tensorflow: null });
    expect(s.reason).toMatch(/neither AVX512-BF16 nor AMX-BF16/);
  });

  it('float32 stays float32 without probing', () => {
    const log: string[] = [];
    expect(resolvePrecision({ precision: 'float32', precision_fallback: 'error' }, (m) => log.push(m), () => { throw new Error('probed'); })).toBe('float32');
    expect(resolvePrecision({}, (m) => log.push(m), () => { throw new Error('probed'); })).toBe('float32');
    expect(log).toEqual([]);
  });

  it('mixed_bfloat16 where available', () => {
    const log: string[] = [];
    expect(resolvePrecision({ precision: 'mixed_bfloat16' }, (m) => log.push(m), () => withIt)).toBe('mixed_bfloat16');
    expect(log).toEqual([expect.stringMatching(/^precision mixed_bfloat16 .*AMX-BF16/)]);
  });

  it('falls back to float32 and says why, where bf16 is missing', () => {
    const log: string[] = [];
    expect(resolvePrecision({ precision: 'mixed_bfloat16', precision_fallback: 'float32' }, (m) => log.push(m), () => without)).toBe('float32');
    expect(log).toEqual([expect.stringMatching(/training in float32, not mixed_bfloat16: no bf16 here/)]);
  });

  it('fails naming the options when the YAML insists', () => {
    expect(() => resolvePrecision({ precision: 'mixed_bfloat16', precision_fallback: 'error' }, () => undefined, () => without)).toThrow(
      /training\.precision: mixed_bfloat16 is not available here: no bf16 here\. .*training\.precision_fallback: float32/,
    );
  });
});
