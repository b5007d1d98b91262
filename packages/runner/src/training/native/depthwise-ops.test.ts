import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { allowBf16Outputs, cpuBf16Flags } from './bfloat16.js';
import { nativeDepthwiseConv2d, nativeSeparableConv2d } from './depthwise-ops.js';
import { nativeOps, type NativeOps } from './exec.js';
import type { Conv2dSpec } from './layer-ops.js';
import { rand, valueAndGrads, expectNear, expectBf16Close } from './value-and-grads.testing.js';

const nt = nativeOps() as NativeOps;
const specs: (Conv2dSpec & { bias: boolean })[] = [
  { relu: true, bias: true, padding: 'same', strides: [1, 1] },
  { relu: false, bias: true, padding: 'valid', strides: [2, 2] },
  { relu: true, bias: false, padding: 'same', strides: [2, 1] },
];

const depthwiseRef = (spec: Conv2dSpec) => (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
  let y: tf.Tensor = tf.depthwiseConv2d(x as tf.Tensor4D, k as tf.Tensor4D, spec.strides, spec.padding);
  if (b) y = tf.add(y, b);
  return spec.relu ? tf.relu(y) : y;
};
const separableRef = (spec: Conv2dSpec) => (x: tf.Tensor, dk: tf.Tensor, pk: tf.Tensor, b?: tf.Tensor) => {
  let y: tf.Tensor = tf.separableConv2d(x as tf.Tensor4D, dk as tf.Tensor4D, pk as tf.Tensor4D, spec.strides, spec.padding);
  if (b) y = tf.add(y, b);
  return spec.relu ? tf.relu(y) : y;
};

describe('native depthwise and separable convolutions', () => {
  for (const spec of specs) {
    it(`depthwise (${JSON.stringify(spec)}) matches tfjs's depthwiseConv2d → add → relu in value and gradients`, () => {
      const op = nativeDepthwiseConv2d(nt, spec);
      const inputs = [rand([2, 7, 9, 3], 60), rand([3, 3, 3, 2], 61), ...(spec.bias ? [rand([6], 62)] : [])];
      const got = valueAndGrads((x, k, b) => op(x as tf.Tensor4D, k as tf.Tensor4D, (b as tf.Tensor1D) ?? null, { input: true }), inputs);
      const want = valueAndGrads(depthwiseRef(spec), inputs);
      expectNear(got.value, want.value);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i]));
    });

    it(`separable (${JSON.stringify(spec)}) matches tfjs's separableConv2d → add → relu in value and gradients`, () => {
      const op = nativeSeparableConv2d(nt, spec);
      const inputs = [rand([2, 7, 9, 3], 63), rand([3, 3, 3, 2], 64), rand([1, 1, 6, 5], 65), ...(spec.bias ? [rand([5], 66)] : [])];
      const got = valueAndGrads((x, dk, pk, b) => op(x as tf.Tensor4D, dk as tf.Tensor4D, pk as tf.Tensor4D, (b as tf.Tensor1D) ?? null, { input: true }), inputs);
      const want = valueAndGrads(separableRef(spec), inputs);
      expectNear(got.value, want.value);
      got.grads.forEach((g, i) => expectNear(g, want.grads[i]));
    });
  }

  it('skips the input gradient when the input needs none, and still trains the kernels', () => {
    const op = nativeSeparableConv2d(nt, specs[0]);
    const x = rand([2, 5, 5, 3], 67);
    const ws = [rand([3, 3, 3, 1], 68), rand([1, 1, 3, 4], 69), rand([4], 70)];
    const got = tf.grads((dk: tf.Tensor, pk: tf.Tensor, b: tf.Tensor) => tf.sum(op(x as tf.Tensor4D, dk as tf.Tensor4D, pk as tf.Tensor4D, b as tf.Tensor1D, { input: false })))(ws);
    const want = tf.grads((dk: tf.Tensor, pk: tf.Tensor, b: tf.Tensor) => tf.sum(separableRef(specs[0])(x, dk, pk, b)))(ws);
    got.forEach((g, i) => expectNear(g.dataSync(), want[i].dataSync()));
  });

  it('leaves no tensors behind after a gradient', () => {
    const op = nativeDepthwiseConv2d(nt, specs[0]);
    const [x, k, b] = [rand([2, 4, 4, 2], 71), rand([3, 3, 2, 1], 72), rand([2], 73)];
    const before = tf.memory().numTensors;
    const grads = tf.grads((kk: tf.Tensor, bb: tf.Tensor) => tf.sum(op(x as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D, { input: true })))([k, b]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose(grads);
  });
});

const flags = cpuBf16Flags();
describe.skipIf(!flags.avx512_bf16 && !flags.amx_bf16)('native depthwise and separable convolutions under mixed bfloat16', () => {
  allowBf16Outputs(nt.backend);
  it('stay within bf16 tolerance of float32', () => {
    const spec: Conv2dSpec = { relu: false, padding: 'same', strides: [1, 1] };
    const x = rand([4, 8, 8, 8], 74);
    expectBf16Close((c) => (xx, k, b) => nativeDepthwiseConv2d(nt, spec, c)(xx as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D, { input: true }), [x, rand([3, 3, 8, 2], 75), rand([16], 76)]);
    expectBf16Close(
      (c) => (xx, dk, pk, b) => nativeSeparableConv2d(nt, spec, c)(xx as tf.Tensor4D, dk as tf.Tensor4D, pk as tf.Tensor4D, b as tf.Tensor1D, { input: true }),
      [x, rand([3, 3, 8, 1], 77), rand([1, 1, 8, 16], 78), rand([16], 79)],
    );
  });
});
