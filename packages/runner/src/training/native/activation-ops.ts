// Activations other than ReLU as native ops with TensorFlow's gradient kernels (TanhGrad, SigmoidGrad, EluGrad,
// SeluGrad, SoftplusGrad, Relu6Grad, LeakyReluGrad), each one tape entry; swish and GELU, which TensorFlow builds
// from other ops too, as their forward kernels and a closed-form derivative. The values are tfjs-layers'
// activations of the same names (float32).
import * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';
import { differentiable } from './layer-ops.js';

/** The tfjs activation names (and `leaky_relu`, the LeakyReLU layer) that have a native op here. */
export const NATIVE_ACTIVATIONS = ['tanh', 'sigmoid', 'elu', 'selu', 'softplus', 'relu6', 'swish', 'gelu', 'leaky_relu'] as const;
export type NativeActivation = (typeof NATIVE_ACTIVATIONS)[number];

export const isNativeActivation = (name: string | undefined): name is NativeActivation => (NATIVE_ACTIVATIONS as readonly string[]).includes(name ?? '');

/** Ops whose gradient kernel reads (dy, y) or (y, dy) or (dy, x): forward op, gradient op, and how it is called. */
const SIMPLE: Record<string, [string, string, (dy: tf.Tensor, x: tf.Tensor, y: tf.Tensor) => tf.Tensor[]]> = {
  tanh: ['Tanh', 'TanhGrad', (dy, _x, y) => [y, dy]],
  sigmoid: ['Sigmoid', 'SigmoidGrad', (dy, _x, y) => [y, dy]],
  elu: ['Elu', 'EluGrad', (dy, _x, y) => [dy, y]],
  selu: ['Selu', 'SeluGrad', (dy, _x, y) => [dy, y]],
  softplus: ['Softplus', 'SoftplusGrad', (dy, x) => [dy, x]],
  relu6: ['Relu6', 'Relu6Grad', (dy, x) => [dy, x]],
  leaky_relu: ['LeakyRelu', 'LeakyReluGrad', (dy, x) => [dy, x]],
};

/** The activation `name` (`alpha`: LeakyReLU's slope) as a differentiable native op. */
export function nativeActivation(nt: NativeOps, name: NativeActivation, alpha = 0.3) {
  const plain: OpAttr[] = [nt.type('T')];
  const run = (op: string, xs: tf.Tensor[]) => nt.run(op, xs, op.startsWith('LeakyRelu') ? [...plain, nt.float('alpha', alpha)] : plain);
  const simple = SIMPLE[name];
  if (simple) {
    const [fwd, grad, args] = simple;
    return (x: tf.Tensor): tf.Tensor =>
      differentiable(
        [x],
        () => {
          const y = run(fwd, [x]);
          return { value: y, save: [x, y] };
        },
        (dy, [xs, y]) => [run(grad, args(dy, xs, y))],
      );
  }
  const s = (v: number) => tf.scalar(v);
  if (name === 'swish') {
    // x·σ(x); d/dx = σ(x)·(1 + x·(1 − σ(x))).
    return (x: tf.Tensor): tf.Tensor =>
      differentiable(
        [x],
        () => {
          const sig = run('Sigmoid', [x]);
          return { value: run('Mul', [x, sig]), save: [x, sig] };
        },
        (dy, [xs, sig]) => [run('Mul', [dy, run('Mul', [sig, run('AddV2', [s(1), run('Mul', [xs, run('Sub', [s(1), sig])])])])])],
      );
  }
  // GELU (tfjs's exact form): x·Φ(x), Φ(x) = ½(1 + erf(x/√2)); d/dx = Φ(x) + x·exp(−x²/2)/√(2π).
  return (x: tf.Tensor): tf.Tensor =>
    differentiable(
      [x],
      () => {
        const cdf = run('Mul', [s(0.5), run('AddV2', [s(1), run('Erf', [run('Mul', [x, s(Math.SQRT1_2)])])])]);
        return { value: run('Mul', [x, cdf]), save: [x, cdf] };
      },
      (dy, [xs, cdf]) => {
        const pdf = run('Mul', [run('Exp', [run('Mul', [run('Square', [xs]), s(-0.5)])]), s(1 / Math.sqrt(2 * Math.PI))]);
        return [run('Mul', [dy, run('AddV2', [cdf, run('Mul', [xs, pdf])])])];
      },
    );
}
