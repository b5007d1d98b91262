// The merge layers of residual and concat blocks as native ops: an element-wise sum (Add, optionally followed by a
// ReLU in the same tape entry, as a residual block ends) and a concatenation, each one tape entry with
// TensorFlow's gradients. They compute in float32 (under mixed bfloat16 their inputs arrive cast out, see
// layer-ops.ts), as tfjs's own kernels would.
import * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';
import { differentiable } from './layer-ops.js';

// A tape entry must not hand one tensor out as two inputs' gradients (the tape disposes a gradient when it adds
// another to it), nor hand dy back as is: each input gets its own handle on the data (a clone copies nothing).
const own = (t: tf.Tensor) => tf.clone(t);

/** The sum of same-shaped inputs, then an optional ReLU: AddV2 (AddN for more than two) [→ Relu]; gradient dy (ReluGrad'ed) to each. */
export function nativeAdd(nt: NativeOps, relu: boolean) {
  const T = nt.type('T');
  const plain: OpAttr[] = [T];
  return (xs: tf.Tensor[]): tf.Tensor =>
    differentiable(
      xs,
      (ins) => {
        const sum = ins.length === 2 ? nt.run('AddV2', ins, plain) : nt.run('AddN', ins, [T, nt.int('N', ins.length)]);
        const y = relu ? nt.run('Relu', [sum], plain) : sum;
        return { value: y, save: [y] };
      },
      (dy, [y]) => {
        const d = relu ? nt.run('ReluGrad', [dy, y], plain) : dy;
        return xs.map(() => own(d));
      },
    );
}

/** Concatenation along `axis` (negative counts from the end): ConcatV2, and SplitV of the gradient. */
export function nativeConcat(nt: NativeOps, axis: number) {
  return (xs: tf.Tensor[]): tf.Tensor => {
    const a = axis < 0 ? axis + xs[0].rank : axis;
    const axisT = () => tf.scalar(a, 'int32');
    return differentiable(
      xs,
      (ins) => ({ value: nt.run('ConcatV2', [...ins, axisT()], [nt.type('T'), nt.int('N', ins.length), nt.type('Tidx', 'int32')]), save: [] }),
      (dy) =>
        nt.runN('SplitV', [dy, tf.tensor1d(xs.map((x) => x.shape[a]), 'int32'), axisT()], [nt.type('T'), nt.type('Tlen', 'int32'), nt.int('num_split', xs.length)], xs.length),
    );
  };
}
