import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { nativeBackend } from '@xp/data';
import { NativeOps, nativeOps } from './exec.js';
import { hasMklMaxPool, nativeConv2d, nativeConvPool, nativeDense, nativeDropout, nativeMaxPool, nativeRelu } from './layer-ops.js';
import { rand, valueAndGrads } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;

/** Element-wise |a − b| ≤ 10^−digits · max(1, |b|), reported as the worst element (one assertion, fast on big arrays). */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, digits = 4) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThan(10 ** -digits);
}

describe('native layer ops', () => {
  it('runs on the native backend', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    expect(nt).toBeDefined();
  });

  for (const c of [
    { relu: true, bias: true, padding: 'same' as const, strides: [1, 1] as [number, number] },
    { relu: false, bias: true, padding: 'valid' as const, strides: [2, 1] as [number, number] },
    { relu: true, bias: false, padding: 'same' as const, strides: [2, 2] as [number, number] },
  ]) {
    it(`conv2d (${JSON.stringify(c)}) matches tfjs's conv2d → add → relu in value and gradients`, () => {
      const op = nativeConv2d(nt, c);
      const ref = (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
        let y = tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, c.strides, c.padding);
        if (b) y = tf.add(y, b);
        return c.relu ? tf.relu(y) : y;
      };
      const inputs = [rand([2, 7, 9, 3], 1), rand([3, 3, 3, 4], 2), ...(c.bias ? [rand([4], 3)] : [])];
      const native = valueAndGrads(
        (x, k, b) => op(x as tf.Tensor4D, k as tf.Tensor4D, (b as tf.Tensor1D) ?? null, { input: true }),
        inputs,
      );
      const expected = valueAndGrads(ref, inputs);
      expectClose(native.value, expected.value);
      native.grads.forEach((g, i) => expectClose(g, expected.grads[i]));
    });
  }

  it('conv2d skips the input gradient when the input needs none, and still trains the kernel and bias', () => {
    const op = nativeConv2d(nt, { relu: true, padding: 'same', strides: [1, 1] });
    const x = rand([2, 5, 6, 1], 4);
    const [k, b] = [rand([3, 3, 1, 2], 5), rand([2], 6)];
    const dy = rand([2, 5, 6, 2], 7);
    const loss = (kk: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(op(x as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D, { input: false }), dy));
    const lossRef = (kk: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, kk as tf.Tensor4D, 1, 'same'), bb)), dy));
    const got = tf.grads(loss)([k, b]);
    const want = tf.grads(lossRef)([k, b]);
    got.forEach((g, i) => expectClose(g.dataSync(), want[i].dataSync()));
  });

  it("max pooling through oneDNN matches tfjs's maxPool in value and gradient", () => {
    expect(hasMklMaxPool(nt)).toBe(true);
    for (const spec of [
      { pool: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const },
      { pool: [3, 3] as [number, number], strides: [2, 2] as [number, number], padding: 'same' as const },
    ]) {
      const op = nativeMaxPool(nt, spec);
      const x = rand([2, 8, 10, 3], 8);
      const native = valueAndGrads((t) => op(t as tf.Tensor4D), [x]);
      const expected = valueAndGrads((t) => tf.maxPool(t as tf.Tensor4D, spec.pool, spec.strides, spec.padding), [x]);
      expectClose(native.value, expected.value, 6);
      expectClose(native.grads[0], expected.grads[0], 6);
    }
  });

  for (const c of [
    { relu: true, bias: true, pool: { pool: [2, 2], strides: [2, 2], padding: 'valid' } },
    { relu: false, bias: true, pool: { pool: [3, 3], strides: [2, 2], padding: 'same' } },
    { relu: true, bias: false, pool: { pool: [2, 2], strides: [2, 2], padding: 'same' } },
  ] as const) {
    it(`conv → pool with bias and ReLU after the pooling (${JSON.stringify(c)}) equals conv → bias → ReLU → pool, values and gradients`, () => {
      const pool = { pool: [...c.pool.pool] as [number, number], strides: [...c.pool.strides] as [number, number], padding: c.pool.padding };
      const op = nativeConvPool(nt, { relu: c.relu, padding: 'same', strides: [1, 1] }, pool);
      const ref = (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
        let y = tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same');
        if (b) y = tf.add(y, b);
        if (c.relu) y = tf.relu(y);
        return tf.maxPool(y, pool.pool, pool.strides, pool.padding);
      };
      const inputs = [rand([2, 8, 9, 3], 21), rand([3, 3, 3, 4], 22), ...(c.bias ? [rand([4], 23)] : [])];
      const native = valueAndGrads((x, k, b) => op(x as tf.Tensor4D, k as tf.Tensor4D, (b as tf.Tensor1D) ?? null, { input: true }), inputs);
      const expected = valueAndGrads(ref, inputs);
      expectClose(native.value, expected.value);
      native.grads.forEach((g, i) => expectClose(g, expected.grads[i]));
    });
  }

  it('probes for oneDNN pooling once, without leaving tensors behind, and honours TF_ENABLE_ONEDNN_OPTS=0', () => {
    const fresh = new NativeOps(nativeBackend()!);
    const before = tf.memory().numTensors;
    expect(hasMklMaxPool(fresh)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const saved = process.env.TF_ENABLE_ONEDNN_OPTS;
    process.env.TF_ENABLE_ONEDNN_OPTS = '0';
    try {
      expect(hasMklMaxPool(fresh)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.TF_ENABLE_ONEDNN_OPTS;
      else process.env.TF_ENABLE_ONEDNN_OPTS = saved;
    }
  });

  for (const [relu, dims] of [
    [true, [5, 7, 3]],
    [false, [5, 7, 3]],
    [true, [3, 2048, 1024]], // a weight of 2^21 elements takes BatchMatMul for the input gradient
  ] as const) {
    it(`dense (relu: ${relu}, x [${dims[0]}, ${dims[1]}] · W [${dims[1]}, ${dims[2]}]) matches tfjs's matMul → add → activation in value and gradients`, () => {
      const op = nativeDense(nt, relu);
      const [n, k, m] = dims;
      const inputs = [rand([n, k], 9), rand([k, m], 10), rand([m], 11)];
      const native = valueAndGrads((x, k, b) => op(x as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D, { input: true }), inputs);
      const expected = valueAndGrads((x, k, b) => {
        const y = tf.add(tf.matMul(x as tf.Tensor2D, k as tf.Tensor2D), b);
        return relu ? tf.relu(y) : y;
      }, inputs);
      expectClose(native.value, expected.value);
      native.grads.forEach((g, i) => expectClose(g, expected.grads[i]));
    });
  }

  it("relu's gradient is TensorFlow's ReluGrad, equal to tfjs's", () => {
    const op = nativeRelu(nt);
    const x = rand([4, 6], 12);
    const native = valueAndGrads((t) => op(t), [x]);
    const expected = valueAndGrads((t) => tf.relu(t), [x]);
    expectClose(native.value, expected.value, 6);
    expectClose(native.grads[0], expected.grads[0], 6);
  });

  it('dropout keeps each unit with probability 1 − rate, scales kept ones by 1/(1 − rate), and routes the gradient through the mask', () => {
    const op = nativeDropout(nt, 0.3);
    const x = tf.add(rand([200, 500], 16), 2); // no zeros in x, so a zero in y means dropped
    const w = rand([200, 500], 17);
    const [y, g] = tf.tidy(() => [op(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), w)))(x)]);
    const [xs, ys] = [x.dataSync(), y.dataSync()];
    let dropped = 0;
    let worst = 0;
    ys.forEach((v, i) => {
      if (v === 0) dropped++;
      else worst = Math.max(worst, Math.abs(v - xs[i] / 0.7));
    });
    expect(worst).toBeLessThan(1e-5);
    expect(Math.abs(dropped / ys.length - 0.3)).toBeLessThan(0.01);
    // The gradient call drew its own mask: where it kept a unit the gradient is w/(1 − rate), elsewhere 0.
    const [gs, ws] = [g.dataSync(), w.dataSync()];
    let kept = 0;
    worst = 0;
    gs.forEach((v, i) => {
      if (v === 0) return;
      kept++;
      worst = Math.max(worst, Math.abs(v - ws[i] / 0.7));
    });
    expect(worst).toBeLessThan(1e-5);
    expect(Math.abs(kept / gs.length - 0.7)).toBeLessThan(0.01);
  });

  it('dropout with a noise shape drops whole broadcast slices (spatial dropout) and routes the gradient through the same mask', () => {
    const op = nativeDropout(nt, 0.3, (t) => [t.shape[0], 1, 1, t.shape[3]]);
    const x = tf.add(rand([40, 4, 5, 50], 18), 2);
    const [y, g] = tf.tidy(() => {
      const w = tf.ones(x.shape);
      return [op(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), w)))(x)];
    });
    for (const t of [y, g]) {
      // Per (image, channel): all 20 cells dropped or all kept.
      const zeros = tf.tidy(() => tf.sum(tf.cast(tf.equal(t, 0), 'float32'), [1, 2]).dataSync());
      expect(Array.from(zeros).every((z) => z === 0 || z === 20)).toBe(true);
      const dropped = Array.from(zeros).filter((z) => z === 20).length / zeros.length;
      expect(Math.abs(dropped - 0.3)).toBeLessThan(0.05); // 2,000 draws: 5 % is 4.9 σ
    }
    // The gradient (of a sum, through its own draw) is the mask: 0 or 1/(1 − rate).
    expect(Array.from(g.dataSync()).every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-5)).toBe(true);
  });

  it('dropout draws a fresh mask per call, from seeds taken from Math.random', () => {
    const op = nativeDropout(nt, 0.5);
    const x = tf.ones([1000]);
    expect(op(x).arraySync()).not.toEqual(op(x).arraySync());
    const spy = vi.spyOn(Math, 'random').mockReturnValue(0.25);
    try {
      expect(op(x).arraySync()).toEqual(op(x).arraySync());
    } finally {
      spy.mockRestore();
    }
  });

  it('leaves no tensors behind after a gradient', () => {
    const op = nativeConv2d(nt, { relu: true, padding: 'same', strides: [1, 1] });
    const pool = nativeMaxPool(nt, { pool: [2, 2], strides: [2, 2], padding: 'valid' });
    const [x, k, b] = [rand([2, 4, 4, 1], 13), rand([3, 3, 1, 2], 14), rand([2], 15)];
    const before = tf.memory().numTensors;
    const grads = tf.grads((kk: tf.Tensor, bb: tf.Tensor) => tf.sum(pool(op(x as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D, { input: false }))))([k, b]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose(grads);
  });
});
