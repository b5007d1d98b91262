import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { allowBf16Outputs } from './bfloat16.js';
import { NativeOps, nativeOps } from './exec.js';
import { resolveConvKernel } from './conv-kernel.js';
import { hasFusedConv, nativeConv2d, nativeConvPool, type Conv2dSpec, type MaxPoolSpec } from './layer-ops.js';
import { trainingForward } from './training-forward.js';
import { expectBf16Close, expectNear, opsRun, rand, relErrors, valueAndGrads } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;
// bf16 results are float32-labelled handles (bfloat16.ts), as training-forward sets up for a bf16 program.
allowBf16Outputs(nt.backend);

const pool2: MaxPoolSpec = { pool: [2, 2], strides: [2, 2], padding: 'valid' };

describe("oneDNN's fused convolution (conv, bias and ReLU in one kernel)", () => {
  it('runs here: setup builds the addon with xp\'s patch for list attributes; the probe leaves no tensors and honours TF_ENABLE_ONEDNN_OPTS=0', () => {
    const fresh = new NativeOps(nt.backend);
    const before = tf.memory().numTensors;
    expect(hasFusedConv(fresh)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const saved = process.env.TF_ENABLE_ONEDNN_OPTS;
    process.env.TF_ENABLE_ONEDNN_OPTS = '0';
    try {
      expect(hasFusedConv(new NativeOps(nt.backend))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.TF_ENABLE_ONEDNN_OPTS;
      else process.env.TF_ENABLE_ONEDNN_OPTS = saved;
    }
  });

  for (const spec of [
    { relu: true, padding: 'same', strides: [1, 1] },
    { relu: false, padding: 'valid', strides: [2, 1] },
  ] as Conv2dSpec[]) {
    const inputs = () => [rand([2, 8, 10, 3], 31), rand([3, 3, 3, 5], 32), rand([5], 33)];
    const apply = (op: ReturnType<typeof nativeConv2d>) => (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => op(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D, { input: true });

    it(`conv2d (relu: ${spec.relu}), float32: one fused kernel forward, the same values and gradients as unfused`, () => {
      const fused = nativeConv2d(nt, spec, 'float32', true);
      const xs = inputs();
      const ran = opsRun(() => tf.dispose(apply(fused)(xs[0], xs[1], xs[2])));
      expect(ran).toEqual(['_MklNativeFusedConv2D']);
      const got = valueAndGrads(apply(fused), xs);
      const want = valueAndGrads(apply(nativeConv2d(nt, spec, 'float32', false)), xs);
      expectNear(got.value, want.value, 5);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i], 5));
      tf.dispose(xs);
    });

    it(`conv2d (relu: ${spec.relu}), bfloat16: fused values and gradients within bf16 tolerance of float32`, () => {
      const xs = inputs();
      expectBf16Close((c) => apply(nativeConv2d(nt, spec, c, true)), xs, spec.relu ? 0.1 : undefined);
      tf.dispose(xs);
    });
  }

  for (const relu of [true, false]) {
    const spec: Conv2dSpec = { relu, padding: 'same', strides: [1, 1] };
    const inputs = () => [rand([2, 8, 12, 3], 41), rand([3, 3, 3, 6], 42), rand([6], 43)];
    const apply = (op: ReturnType<typeof nativeConvPool>) => (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => op(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D, { input: true });

    it(`conv → pool (relu: ${relu}), float32: fused conv then pool equals pool then bias and ReLU, values and gradients`, () => {
      const xs = inputs();
      const fused = nativeConvPool(nt, spec, pool2, 'float32', true);
      expect(opsRun(() => tf.dispose(apply(fused)(xs[0], xs[1], xs[2])))).toEqual(['_MklNativeFusedConv2D', '_MklNativeMaxPool']);
      const got = valueAndGrads(apply(fused), xs);
      const want = valueAndGrads(apply(nativeConvPool(nt, spec, pool2, 'float32', false)), xs);
      expectNear(got.value, want.value, 5);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i], 5));
      tf.dispose(xs);
    });

    it(`conv → pool (relu: ${relu}), bfloat16: on small integers (exact in bf16) the fused values equal float32's, gradients within bf16 tolerance`, () => {
      // Integer pixels, weights and bias: every sum is exact in bf16, so max pooling picks the same winners as in
      // float32. (With random reals, bf16's rounding after the bias turns near-ties into ties in ~1 % of the
      // windows, each sending one gradient element elsewhere: a ~0.1 relative L2 error on a tensor this small,
      // which would hide a real routing error.)
      const xs = inputs().map((t) => tf.tidy(() => tf.round(tf.mul(t, 2))));
      const [f32, bf16] = [valueAndGrads(apply(nativeConvPool(nt, spec, pool2, 'float32', true)), xs), valueAndGrads(apply(nativeConvPool(nt, spec, pool2, 'bfloat16', true)), xs)];
      expect(Array.from(bf16.value)).toEqual(Array.from(f32.value));
      bf16.grads.forEach((g, i) => expect(relErrors(g, f32.grads[i]).max).toBeLessThan(1e-2));
      tf.dispose(xs);
    });
  }

  it('a convolution without a bias keeps the unfused kernels (oneDNN fuses a ReLU only after a bias)', () => {
    const op = nativeConv2d(nt, { relu: true, padding: 'same', strides: [1, 1] }, 'float32', true);
    const [x, k] = [rand([1, 4, 4, 2], 51), rand([3, 3, 2, 2], 52)];
    expect(opsRun(() => tf.dispose(op(x as tf.Tensor4D, k as tf.Tensor4D, null, { input: false })))).toEqual(['Conv2D', 'Relu']);
    tf.dispose([x, k]);
  });

  it("a run's training.conv_kernel resolves against this backend: fused here, separate when oneDNN is off", () => {
    const lines: string[] = [];
    expect(resolveConvKernel('auto', 'mixed_bfloat16', (m) => lines.push(m))).toBe(true);
    const saved = process.env.TF_ENABLE_ONEDNN_OPTS;
    process.env.TF_ENABLE_ONEDNN_OPTS = '0';
    try {
      expect(resolveConvKernel('fused', 'float32', (m) => lines.push(m))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.TF_ENABLE_ONEDNN_OPTS;
      else process.env.TF_ENABLE_ONEDNN_OPTS = saved;
    }
    expect(lines).toHaveLength(1);
  });

  it('trainingForward uses it when asked (ForwardOptions.fusedConv), with the same output, and leaves nothing behind', () => {
    const input = tf.input({ shape: [12, 12, 1] });
    let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: h });
    const x = rand([3, 12, 12, 1], 61);
    const before = tf.memory().numTensors;
    const run = (fusedConv: boolean) => {
      const forward = trainingForward(model, { fusedConv });
      let out!: Float32Array;
      const ran = opsRun(() => tf.tidy(() => void (out = (forward(x) as tf.Tensor).dataSync() as Float32Array)));
      return { out, ran };
    };
    const [plain, fused] = [run(false), run(true)];
    expect(fused.ran.filter((o) => o === '_MklNativeFusedConv2D')).toHaveLength(2);
    expect(plain.ran).not.toContain('_MklNativeFusedConv2D');
    expectNear(fused.out, plain.out, 5);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
