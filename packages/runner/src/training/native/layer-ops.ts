// Differentiable layer ops made of native TensorFlow kernels, each one tfjs tape entry (tf.customGrad) whose
// gradient is what TensorFlow's own graph would run: ReluGrad on the output instead of tfjs-node's `Step`
// composite, BiasAddGrad instead of a broadcast Sum, the oneDNN max-pool gradient with its forward workspace
// instead of TensorFlow's slow reference MaxPoolGrad, and no input gradient for a layer that reads the model's
// input. The math is the one tfjs computes; only kernels and their count change.
//
// Mixed bfloat16 (`compute: 'bfloat16'`, Keras's mixed_bfloat16): each convolution/matmul op casts its input and
// kernel to bf16, runs Conv2D/MatMul (and max pooling, in a fused conv→pool) and their backprops in bf16 on
// oneDNN's AMX/AVX512-BF16 kernels, and casts its result back to float32 *inside the op*; the bias, the ReLU, the
// bias gradient and everything outside these ops stay float32, as do the variables (the kernel is read as float32
// and cast per step) and so the optimizer. Why casts at each op's boundary rather than bf16 activations flowing
// between ops: tfjs has no bf16 dtype, so a bf16 tensor is a float32-labelled handle (bfloat16.ts) that no tfjs
// kernel may read, and between two native ops tfjs itself runs code on activations — reshapes/flatten, layers
// without a native op, the tape's gradient accumulation (`add` where a tensor has two consumers) and the ones/zeros
// it seeds — none of which know the real type. Casting at the boundary makes every tensor tfjs sees really float32,
// so every fallback stays correct; the price is a cast of each op's output and of its input gradient (for a fused
// conv→pool on the pooled, quarter-size tensor). The bias and ReLU in float32 are also what makes the bias
// gradient a float32 sum. The ops save their bf16 input and kernel for the backward pass, so nothing is cast twice.
import * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';

/** Runs `forward` as one tape entry whose gradient w.r.t. `inputs` is `backward(dy, saved)`. */
function differentiable(
  inputs: tf.Tensor[],
  forward: (inputs: tf.Tensor[]) => { value: tf.Tensor; save: tf.Tensor[] },
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[],
): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const { value, save: keep } = forward(args as tf.Tensor[]);
    save(keep);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy, saved) };
  });
  return f(...inputs);
}

/** Which gradients a layer op must produce: the input's only when something upstream is trained. */
export interface GradNeeds {
  input: boolean;
}

const int32Shape = (t: tf.Tensor) => tf.tensor1d(t.shape, 'int32');

/** The type a convolution or matmul computes in: float32, or bfloat16 under mixed precision. */
export type ComputeDtype = 'float32' | 'bfloat16';

/** Casts into a layer's compute type and back to float32: identities for float32. */
function computeCasts(nt: NativeOps, compute: ComputeDtype) {
  const bf16 = compute === 'bfloat16';
  return {
    in: (x: tf.Tensor): tf.Tensor => (bf16 ? nt.cast(x, 'bfloat16') : x),
    out: (x: tf.Tensor): tf.Tensor => (bf16 ? nt.cast(x, 'float32') : x),
  };
}

/** A layer's differentiable inputs: the input only when its gradient is needed, the kernel, the bias if any. */
const layerInputs = (x: tf.Tensor, kernel: tf.Tensor, b: tf.Tensor | null, needs: GradNeeds) => [...(needs.input ? [x] : []), kernel, ...(b ? [b] : [])];

/**
 * The bias and optional ReLU that follow a convolution or matmul, forward and backward: `apply` adds them,
 * `reluGrad` takes the output's gradient back through the ReLU, `grads` lists the gradients in
 * {@link layerInputs} order (input and kernel gradients are thunks, so an unneeded one is never computed).
 */
function biasRelu(nt: NativeOps, relu: boolean) {
  const T = nt.type('T');
  const bias: OpAttr[] = [T, nt.str('data_format', 'NHWC')];
  const plain: OpAttr[] = [T];
  return {
    apply(z: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
      let y = b ? nt.run('BiasAdd', [z, b], bias) : z;
      if (relu) y = nt.run('Relu', [y], plain);
      return y;
    },
    reluGrad: (dy: tf.Tensor, y: tf.Tensor): tf.Tensor => (relu ? nt.run('ReluGrad', [dy, y], plain) : dy),
    grads(needs: GradNeeds, b: tf.Tensor | null, dBiased: tf.Tensor, inputGrad: () => tf.Tensor, kernelGrad: () => tf.Tensor): tf.Tensor[] {
      return [...(needs.input ? [inputGrad()] : []), kernelGrad(), ...(b ? [nt.run('BiasAddGrad', [dBiased], bias)] : [])];
    },
  };
}

/** 2-D convolution settings (NHWC, no dilation). */
export interface Conv2dSpec {
  strides: [number, number];
  padding: 'same' | 'valid';
  relu: boolean;
}

function convAttrs(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype): OpAttr[] {
  return [
    nt.type('T', compute),
    nt.int('strides', [1, spec.strides[0], spec.strides[1], 1]),
    nt.bool('use_cudnn_on_gpu', true),
    nt.str('padding', spec.padding.toUpperCase()),
    nt.int('explicit_paddings', []),
    nt.str('data_format', 'NHWC'),
    nt.int('dilations', [1, 1, 1, 1]),
  ];
}

/**
 * conv2d → bias → optional ReLU, as Conv2D/BiasAdd/Relu forward and their TensorFlow gradients backward; the
 * convolution and its backprops in `compute` (see the top of this module).
 */
export function nativeConv2d(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype = 'float32') {
  const conv = convAttrs(nt, spec, compute);
  const cast = computeCasts(nt, compute);
  const tail = biasRelu(nt, spec.relu);
  return (x: tf.Tensor4D, kernel: tf.Tensor4D, b: tf.Tensor1D | null, needs: GradNeeds): tf.Tensor4D =>
    differentiable(
      layerInputs(x, kernel, b, needs),
      () => {
        const [xc, kc] = [cast.in(x), cast.in(kernel)];
        const y = tail.apply(cast.out(nt.run('Conv2D', [xc, kc], conv)), b);
        return { value: y, save: [xc, kc, y] };
      },
      (dy, [xc, kc, y]) => {
        const dz = tail.reluGrad(dy, y);
        const dzc = cast.in(dz);
        return tail.grads(
          needs, b, dz,
          () => cast.out(nt.run('Conv2DBackpropInput', [int32Shape(xc), kc, dzc], conv)),
          () => cast.out(nt.run('Conv2DBackpropFilter', [xc, int32Shape(kc), dzc], conv)),
        );
      },
    ) as tf.Tensor4D;
}

/** Max-pooling settings (NHWC). */
export interface MaxPoolSpec {
  pool: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}

function maxPoolAttrs(nt: NativeOps, spec: MaxPoolSpec, compute: ComputeDtype = 'float32'): OpAttr[] {
  return [
    nt.type('T', compute),
    nt.int('ksize', [1, spec.pool[0], spec.pool[1], 1]),
    nt.int('strides', [1, spec.strides[0], spec.strides[1], 1]),
    nt.str('padding', spec.padding.toUpperCase()),
    nt.str('data_format', 'NHWC'),
    nt.int('explicit_paddings', []),
    nt.bool('workspace_enabled', true),
    // oneDNN's kernels are registered under this label; TensorFlow's graph rewrite sets it, so must we.
    nt.str('_kernel', 'MklNameChangeOp'),
  ];
}

const mklPoolAvailable = new WeakMap<NativeOps, boolean>();

/**
 * Whether oneDNN's max-pool kernels can be used: the TensorFlow build has them, and oneDNN is not turned off
 * (TF_ENABLE_ONEDNN_OPTS=0, which TensorFlow's own graph rewrite also honours).
 */
export function hasMklMaxPool(nt: NativeOps): boolean {
  if (process.env.TF_ENABLE_ONEDNN_OPTS === '0') return false;
  let ok = mklPoolAvailable.get(nt);
  if (ok === undefined) {
    const spec: MaxPoolSpec = { pool: [2, 2], strides: [2, 2], padding: 'valid' };
    const x = tf.zeros([1, 2, 2, 1]);
    try {
      tf.dispose(nt.runN('_MklNativeMaxPool', [x], maxPoolAttrs(nt, spec), 2));
      ok = true;
    } catch {
      ok = false;
    }
    x.dispose();
    mklPoolAvailable.set(nt, ok);
  }
  return ok;
}

/**
 * Max pooling through oneDNN: the forward also returns a workspace (which input won each window), and the
 * gradient scatters through it. TensorFlow's plain MaxPoolGrad re-derives the winners and is ~15× slower.
 * Check {@link hasMklMaxPool} first.
 */
export function nativeMaxPool(nt: NativeOps, spec: MaxPoolSpec) {
  const attrs = maxPoolAttrs(nt, spec);
  return (x: tf.Tensor4D): tf.Tensor4D =>
    differentiable(
      [x],
      () => {
        // The workspace is a uint8 tensor that tfjs labels int32: it only ever goes back to the gradient op.
        const [y, workspace] = nt.runN('_MklNativeMaxPool', [x], attrs, 2);
        return { value: y, save: [x, y, workspace] };
      },
      (dy, [xs, y, workspace]) => [nt.run('_MklNativeMaxPoolGrad', [xs, y, dy, workspace], attrs)],
    ) as tf.Tensor4D;
}

/**
 * conv2d → bias → optional ReLU → max pool, computed as conv2d → max pool → bias → ReLU: max pooling commutes
 * with adding a per-channel constant and with ReLU (both monotonic), so the result and every gradient are the
 * same, but the bias, the ReLU and the ReLU gradient touch a quarter of the elements (for 2×2 pooling).
 * Needs {@link hasMklMaxPool}. Under bfloat16 the pooling runs in bf16 too, so only the pooled (quarter-size)
 * result and its gradient are cast.
 */
export function nativeConvPool(nt: NativeOps, conv: Conv2dSpec, pool: MaxPoolSpec, compute: ComputeDtype = 'float32') {
  const convA = convAttrs(nt, conv, compute);
  const poolA = maxPoolAttrs(nt, pool, compute);
  const cast = computeCasts(nt, compute);
  const tail = biasRelu(nt, conv.relu);
  return (x: tf.Tensor4D, kernel: tf.Tensor4D, b: tf.Tensor1D | null, needs: GradNeeds): tf.Tensor4D =>
    differentiable(
      layerInputs(x, kernel, b, needs),
      () => {
        const [xc, kc] = [cast.in(x), cast.in(kernel)];
        const z = nt.run('Conv2D', [xc, kc], convA);
        const [p, workspace] = nt.runN('_MklNativeMaxPool', [z], poolA, 2);
        const y = tail.apply(cast.out(p), b);
        return { value: y, save: [xc, kc, z, p, workspace, y] };
      },
      (dy, [xc, kc, z, p, workspace, y]) => {
        const dq = tail.reluGrad(dy, y);
        const dz = nt.run('_MklNativeMaxPoolGrad', [z, p, cast.in(dq), workspace], poolA);
        return tail.grads(
          needs, b, dq,
          () => cast.out(nt.run('Conv2DBackpropInput', [int32Shape(xc), kc, dz], convA)),
          () => cast.out(nt.run('Conv2DBackpropFilter', [xc, int32Shape(kc), dz], convA)),
        );
      },
    ) as tf.Tensor4D;
}

/**
 * x·W + b → optional ReLU on a 2-D input, as MatMul/BiasAdd/Relu and their TensorFlow gradients; the matmuls in
 * `compute` (see the top of this module).
 */
export function nativeDense(nt: NativeOps, relu: boolean, compute: ComputeDtype = 'float32') {
  const T = nt.type('T', compute);
  const cast = computeCasts(nt, compute);
  const matmul = (ta: boolean, tb: boolean): OpAttr[] => [T, nt.bool('transpose_a', ta), nt.bool('transpose_b', tb)];
  const [mm, mmTa, mmTb] = [matmul(false, false), matmul(true, false), matmul(false, true)];
  // dz·Wᵀ: for large weights oneDNN's BatchMatMul with adj_y is ~15 % faster than MatMul with transpose_b
  // (12.3 vs 14.3 ms for a 6272×512 weight); for small ones its fixed cost (~0.05 ms more) loses.
  const bmmAdjY: OpAttr[] = [T, nt.bool('adj_x', false), nt.bool('adj_y', true)];
  const inputGrad = (dz: tf.Tensor, k: tf.Tensor) =>
    k.size >= 1 << 21 ? nt.run('BatchMatMulV2', [dz, k], bmmAdjY) : nt.run('MatMul', [dz, k], mmTb);
  const tail = biasRelu(nt, relu);
  return (x: tf.Tensor2D, kernel: tf.Tensor2D, b: tf.Tensor1D | null, needs: GradNeeds): tf.Tensor2D =>
    differentiable(
      layerInputs(x, kernel, b, needs),
      () => {
        const [xc, kc] = [cast.in(x), cast.in(kernel)];
        const y = tail.apply(cast.out(nt.run('MatMul', [xc, kc], mm)), b);
        return { value: y, save: [xc, kc, y] };
      },
      (dy, [xc, kc, y]) => {
        const dz = tail.reluGrad(dy, y);
        const dzc = cast.in(dz);
        return tail.grads(needs, b, dz, () => cast.out(inputGrad(dzc, kc)), () => cast.out(nt.run('MatMul', [xc, dzc], mmTa)));
      },
    ) as tf.Tensor2D;
}

/** ReLU whose gradient is TensorFlow's ReluGrad (tfjs-node's builds a tensor of ones in JavaScript). */
export function nativeRelu(nt: NativeOps) {
  const plain: OpAttr[] = [nt.type('T')];
  return (x: tf.Tensor): tf.Tensor =>
    differentiable(
      [x],
      () => {
        const y = nt.run('Relu', [x], plain);
        return { value: y, save: [y] };
      },
      (dy, [y]) => [nt.run('ReluGrad', [dy, y], plain)],
    );
}

/**
 * Inverted dropout, tfjs's formula (x · floor(u + keep) / keep, u uniform in [0, 1)) with the uniform draw by
 * TensorFlow's StatelessRandomUniform seeded from Math.random, as tfjs seeds an unseeded dropout: the same
 * distribution, drawn natively instead of one JavaScript random number per element.
 */
export function nativeDropout(nt: NativeOps, rate: number) {
  const T = nt.type('T');
  const uniform: OpAttr[] = [nt.type('dtype'), nt.type('T', 'int32'), nt.type('Tseed', 'int32')];
  const plain: OpAttr[] = [T];
  const keep = 1 - rate;
  return (x: tf.Tensor): tf.Tensor =>
    differentiable(
      [x],
      () => {
        const seed = tf.tensor1d([Math.floor(Math.random() * 2 ** 31), Math.floor(Math.random() * 2 ** 31)], 'int32');
        const u = nt.run('StatelessRandomUniform', [int32Shape(x), seed], uniform);
        const keepT = tf.scalar(keep);
        const mask = nt.run('RealDiv', [nt.run('Floor', [nt.run('AddV2', [u, keepT], plain)], plain), keepT], plain);
        return { value: nt.run('Mul', [x, mask], plain), save: [mask] };
      },
      (dy, [mask]) => [nt.run('Mul', [dy, mask], plain)],
    );
}
