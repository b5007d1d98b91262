// Differentiable layer ops made of native TensorFlow kernels, each one tfjs tape entry (tf.customGrad) whose
// gradient is what TensorFlow's own graph would run: ReluGrad on the output instead of tfjs-node's `Step`
// composite, BiasAddGrad instead of a broadcast Sum, the oneDNN max-pool gradient with its forward workspace
// instead of TensorFlow's slow reference MaxPoolGrad, and no input gradient for a layer that reads the model's
// input. The math is the one tfjs computes; only kernels and their count change.
//
// Mixed bfloat16 (`compute: 'bfloat16'`, Keras's mixed_bfloat16): the convolution/matmul ops run everything
// inside them in bf16 — Conv2D/MatMul, max pooling, bias, ReLU and all their gradients — on oneDNN's
// AMX/AVX512-BF16 kernels, as Keras's mixed policy runs a layer; the variables stay float32 (the kernel and bias
// are read as float32 and cast per step), so the optimizer and its state are float32. What crosses an op's
// boundary is float32 by default: the op casts its input in and its output out (and the gradients the other
// way). tfjs has no bf16 dtype, so a bf16 tensor is a float32-labelled handle (bfloat16.ts) that no tfjs kernel
// may read, and between ops tfjs runs code on activations — reshapes/flatten, layers without a native op, the
// tape's gradient accumulation (`add` where a tensor has two consumers) — none of which know the real type.
// Casting at the boundary keeps every tensor tfjs computes on really float32, so every fallback stays correct.
// Only where the caller knows that one op's output feeds exactly one other such op and nothing else
// (`Bf16Edges`, decided by training-forward.ts from the model's graph) does the value, and its gradient, cross
// that edge in bf16: tfjs's tape then only hands the handle from one op to the other, and two casts each way are
// saved (a cast of a [128,14,42,32] activation costs ~1.4 ms; a baseline step ~55 ms). Native reshape/transpose
// ops (`nativeReshape`, `nativeTranspose`) let an edge pass through layout layers. The ops save their bf16
// input and kernel for the backward pass, so nothing is cast twice.
import * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';
import { dropoutSeeds, type SeedPair } from './dropout-seeds.js';

/** Runs `forward` as one tape entry whose gradient w.r.t. `inputs` is `backward(dy, saved)`. */
export function differentiable(
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

export const int32Shape = (t: tf.Tensor) => tf.tensor1d(t.shape, 'int32');

/** The type a convolution or matmul computes in: float32, or bfloat16 under mixed precision. */
export type ComputeDtype = 'float32' | 'bfloat16';

/**
 * Under bfloat16, which side of an op is an edge to another bf16 op (see the top of this module): `input`, the
 * input arrives in bf16 and its gradient leaves in bf16; `output`, the output leaves in bf16 and its gradient
 * arrives in bf16. Neither under float32.
 */
export interface Bf16Edges {
  input?: boolean;
  output?: boolean;
}

/**
 * The casts at an op's boundary: `in`/`out` for its weights and their gradients, and for the input, the output and
 * their gradients the same unless that side is a bf16 edge. All identities under float32.
 */
export function boundaryCasts(nt: NativeOps, compute: ComputeDtype, edges: Bf16Edges = {}) {
  const bf16 = compute === 'bfloat16';
  if (!bf16 && (edges.input || edges.output)) throw new Error('bf16 edges need compute bfloat16');
  const same = (t: tf.Tensor) => t;
  const toCompute = (t: tf.Tensor): tf.Tensor => (bf16 ? nt.cast(t, 'bfloat16') : t);
  const toFloat32 = (t: tf.Tensor): tf.Tensor => (bf16 ? nt.cast(t, 'float32') : t);
  return {
    in: toCompute,
    out: toFloat32,
    input: edges.input ? same : toCompute,
    inputGrad: edges.input ? same : toFloat32,
    output: edges.output ? same : toFloat32,
    outputGrad: edges.output ? same : toCompute,
  };
}

/** A layer's differentiable inputs: the input only when its gradient is needed, the kernel, the bias if any. */
export const layerInputs = (x: tf.Tensor, kernel: tf.Tensor, b: tf.Tensor | null, needs: GradNeeds) => [...(needs.input ? [x] : []), kernel, ...(b ? [b] : [])];

/**
 * The bias and optional ReLU that follow a convolution or matmul, in `compute`, forward and backward: `apply` adds
 * them (the float32 bias cast in), `reluGrad` takes the output's gradient back through the ReLU, `grads` lists the
 * gradients in {@link layerInputs} order, the kernel's and bias's cast out to float32 (the input's is cast by the
 * op, as its edge says; input and kernel gradients are thunks, so an unneeded one is never computed).
 */
export function biasRelu(nt: NativeOps, relu: boolean, compute: ComputeDtype = 'float32') {
  const T = nt.type('T', compute);
  const cast = boundaryCasts(nt, compute);
  const bias: OpAttr[] = [T, nt.str('data_format', 'NHWC')];
  const plain: OpAttr[] = [T];
  // TensorFlow's CPU BiasAddGrad accumulates a bf16 input in bf16 (75 % off for a [128,14,42,32] gradient), while
  // Sum accumulates in float32 (only its result is rounded), as Keras's broadcast-add gradient does.
  const sum: OpAttr[] = [T, nt.type('Tidx', 'int32'), nt.bool('keep_dims', false)];
  const biasGrad = (d: tf.Tensor): tf.Tensor =>
    compute === 'bfloat16' ? nt.run('Sum', [d, tf.tensor1d([...Array(d.rank - 1).keys()], 'int32')], sum) : nt.run('BiasAddGrad', [d], bias);
  return {
    apply(z: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
      let y = b ? nt.run('BiasAdd', [z, cast.in(b)], bias) : z;
      if (relu) y = nt.run('Relu', [y], plain);
      return y;
    },
    reluGrad: (dy: tf.Tensor, y: tf.Tensor): tf.Tensor => (relu ? nt.run('ReluGrad', [dy, y], plain) : dy),
    grads(needs: GradNeeds, b: tf.Tensor | null, dBiased: tf.Tensor, inputGrad: () => tf.Tensor, kernelGrad: () => tf.Tensor): tf.Tensor[] {
      return [...(needs.input ? [inputGrad()] : []), cast.out(kernelGrad()), ...(b ? [cast.out(biasGrad(dBiased))] : [])];
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
 * The attributes of oneDNN's fused convolution (`_MklNativeFusedConv2D`: conv2d, bias and optional ReLU in one
 * kernel, what TensorFlow's graph rewrite runs for Conv2D→BiasAdd→Relu). Its `fused_ops` and `TArgs` are lists,
 * which tfjs-node's addon passes only with xp's patch (patches/); {@link hasFusedConv} says whether it can run.
 */
function fusedConvAttrs(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype): OpAttr[] {
  return [
    ...convAttrs(nt, spec, compute),
    nt.int('num_args', 1),
    nt.typeList('TArgs', [compute]),
    nt.strList('fused_ops', spec.relu ? ['BiasAdd', 'Relu'] : ['BiasAdd']),
    nt.float('epsilon', 0.0001),
    nt.float('leakyrelu_alpha', 0.2),
    nt.str('_kernel', 'MklNameChangeOp'),
  ];
}

const fusedConvAvailable = new WeakMap<NativeOps, boolean>();

/**
 * Whether oneDNN's fused convolution runs here: oneDNN is on, and the addon passes list attributes (xp's patch,
 * applied when setup builds the addon; a downloaded prebuilt addon lacks it).
 */
export function hasFusedConv(nt: NativeOps): boolean {
  if (process.env.TF_ENABLE_ONEDNN_OPTS === '0') return false;
  let ok = fusedConvAvailable.get(nt);
  if (ok === undefined) {
    const [x, k, b] = [tf.ones([1, 2, 2, 1]), tf.ones([1, 1, 1, 1]), tf.zeros([1])];
    try {
      const y = nt.run('_MklNativeFusedConv2D', [x, k, b], fusedConvAttrs(nt, { strides: [1, 1], padding: 'valid', relu: true }, 'float32'));
      ok = y.dataSync()[0] === 1;
      y.dispose();
    } catch {
      ok = false;
    }
    tf.dispose([x, k, b]);
    fusedConvAvailable.set(nt, ok);
  }
  return ok;
}

/**
 * The convolution and its bias and optional ReLU, forward: one fused oneDNN kernel when `fused` and the layer has
 * a bias (bf16's BiasAdd and Relu are slow Eigen kernels, 2–3× the convolution itself on this CPU), else
 * Conv2D, BiasAdd and Relu.
 */
function convForward(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype, fused: boolean) {
  const conv = convAttrs(nt, spec, compute);
  const fusedA = fused ? fusedConvAttrs(nt, spec, compute) : [];
  const tail = biasRelu(nt, spec.relu, compute);
  // The bias is a weight: its cast in never depends on the op's bf16 edges.
  const toCompute = boundaryCasts(nt, compute).in;
  return {
    conv,
    tail,
    /** The convolution's output, with the bias and ReLU applied when `withTail`, else before them. */
    run(xc: tf.Tensor, kc: tf.Tensor, b: tf.Tensor | null, withTail: boolean): tf.Tensor {
      if (withTail && fused && b) return nt.run('_MklNativeFusedConv2D', [xc, kc, toCompute(b)], fusedA);
      const z = nt.run('Conv2D', [xc, kc], conv);
      return withTail ? tail.apply(z, b) : z;
    },
  };
}

/**
 * conv2d → bias → optional ReLU, as Conv2D/BiasAdd/Relu forward (one fused oneDNN kernel with `fused`) and their
 * TensorFlow gradients backward, in `compute`; `edges` says which sides stay bf16 (see the top of this module).
 */
export function nativeConv2d(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype = 'float32', fused = false) {
  const fwd = convForward(nt, spec, compute, fused);
  const { conv, tail } = fwd;
  return (x: tf.Tensor4D, kernel: tf.Tensor4D, b: tf.Tensor1D | null, needs: GradNeeds, edges?: Bf16Edges): tf.Tensor4D => {
    const cast = boundaryCasts(nt, compute, edges);
    return differentiable(
      layerInputs(x, kernel, b, needs),
      () => {
        const [xc, kc] = [cast.input(x), cast.in(kernel)];
        const y = fwd.run(xc, kc, b, true);
        return { value: cast.output(y), save: [xc, kc, y] };
      },
      (dy, [xc, kc, y]) => {
        const dz = tail.reluGrad(cast.outputGrad(dy), y);
        return tail.grads(
          needs, b, dz,
          () => cast.inputGrad(nt.run('Conv2DBackpropInput', [int32Shape(xc), kc, dz], conv)),
          () => nt.run('Conv2DBackpropFilter', [xc, int32Shape(kc), dz], conv),
        );
      },
    ) as tf.Tensor4D;
  };
}

/** Max-pooling settings (NHWC). */
export interface MaxPoolSpec {
  pool: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}

export function maxPoolAttrs(nt: NativeOps, spec: MaxPoolSpec, compute: ComputeDtype = 'float32'): OpAttr[] {
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
 * conv2d → bias → optional ReLU → max pool. Max pooling commutes with adding a per-channel constant and with ReLU
 * (both monotonic), so the result and every gradient are the same whichever comes first. Unfused, it is computed
 * as conv2d → max pool → bias → ReLU: the bias, the ReLU and the ReLU gradient touch a quarter of the elements
 * (for 2×2 pooling). With `fused`, the fused oneDNN convolution adds the bias and the ReLU on the way out (cheaper
 * still), then pools; the backward pass is the same either way, on the pooled output: the ReLU gradient masks by
 * it, the bias gradient sums it, and the pooling gradient routes it to the window winners, which the ReLU and the
 * bias do not change (a window whose maximum is cut to 0 by the ReLU passes no gradient at all).
 * Needs {@link hasMklMaxPool}. In `compute`, with `edges` as {@link nativeConv2d}.
 */
export function nativeConvPool(nt: NativeOps, conv: Conv2dSpec, pool: MaxPoolSpec, compute: ComputeDtype = 'float32', fused = false) {
  const fwd = convForward(nt, conv, compute, fused);
  const { conv: convA, tail } = fwd;
  const poolA = maxPoolAttrs(nt, pool, compute);
  return (x: tf.Tensor4D, kernel: tf.Tensor4D, b: tf.Tensor1D | null, needs: GradNeeds, edges?: Bf16Edges): tf.Tensor4D => {
    const cast = boundaryCasts(nt, compute, edges);
    const tailFirst = fused && b !== null;
    return differentiable(
      layerInputs(x, kernel, b, needs),
      () => {
        const [xc, kc] = [cast.input(x), cast.in(kernel)];
        const z = fwd.run(xc, kc, b, tailFirst);
        const [p, workspace] = nt.runN('_MklNativeMaxPool', [z], poolA, 2);
        const y = tailFirst ? p : tail.apply(p, b);
        return { value: cast.output(y), save: [xc, kc, z, p, workspace, y] };
      },
      (dy, [xc, kc, z, p, workspace, y]) => {
        const dq = tail.reluGrad(cast.outputGrad(dy), y);
        const dz = nt.run('_MklNativeMaxPoolGrad', [z, p, dq, workspace], poolA);
        return tail.grads(
          needs, b, dq,
          () => cast.inputGrad(nt.run('Conv2DBackpropInput', [int32Shape(xc), kc, dz], convA)),
          () => nt.run('Conv2DBackpropFilter', [xc, int32Shape(kc), dz], convA),
        );
      },
    ) as tf.Tensor4D;
  };
}

/**
 * x·W + b → optional ReLU on a 2-D input, as MatMul/BiasAdd/Relu and their TensorFlow gradients, in `compute`,
 * with `edges` as {@link nativeConv2d}.
 */
export function nativeDense(nt: NativeOps, relu: boolean, compute: ComputeDtype = 'float32') {
  const T = nt.type('T', compute);
  const matmul = (ta: boolean, tb: boolean): OpAttr[] => [T, nt.bool('transpose_a', ta), nt.bool('transpose_b', tb)];
  const [mm, mmTa, mmTb] = [matmul(false, false), matmul(true, false), matmul(false, true)];
  // dz·Wᵀ: for large weights oneDNN's BatchMatMul with adj_y is ~15 % faster than MatMul with transpose_b
  // (12.3 vs 14.3 ms for a 6272×512 weight); for small ones its fixed cost (~0.05 ms more) loses.
  const bmmAdjY: OpAttr[] = [T, nt.bool('adj_x', false), nt.bool('adj_y', true)];
  const inputGrad = (dz: tf.Tensor, k: tf.Tensor) =>
    k.size >= 1 << 21 ? nt.run('BatchMatMulV2', [dz, k], bmmAdjY) : nt.run('MatMul', [dz, k], mmTb);
  const tail = biasRelu(nt, relu, compute);
  return (x: tf.Tensor2D, kernel: tf.Tensor2D, b: tf.Tensor1D | null, needs: GradNeeds, edges?: Bf16Edges): tf.Tensor2D => {
    const cast = boundaryCasts(nt, compute, edges);
    return differentiable(
      layerInputs(x, kernel, b, needs),
      () => {
        const [xc, kc] = [cast.input(x), cast.in(kernel)];
        const y = tail.apply(nt.run('MatMul', [xc, kc], mm), b);
        return { value: cast.output(y), save: [xc, kc, y] };
      },
      (dy, [xc, kc, y]) => {
        const dz = tail.reluGrad(cast.outputGrad(dy), y);
        return tail.grads(needs, b, dz, () => cast.inputGrad(inputGrad(dz, kc)), () => nt.run('MatMul', [xc, dz], mmTa));
      },
    ) as tf.Tensor2D;
  };
}

/**
 * A reshape or transpose as a tape entry whose gradient is the inverse reshape/transpose: native, so that it can
 * carry a bf16 edge (see the top of this module) through a Flatten, Reshape or Permute layer, whose tfjs kernels
 * would be told the wrong type. It computes in the type its input arrives in and casts only where its two sides
 * differ (an edge on one side only).
 */
function layoutOp(nt: NativeOps, op: (x: tf.Tensor, T: ComputeDtype) => tf.Tensor, inverse: (dy: tf.Tensor, T: ComputeDtype) => tf.Tensor) {
  return (x: tf.Tensor, edges: Bf16Edges = {}): tf.Tensor => {
    const T: ComputeDtype = edges.input ? 'bfloat16' : 'float32';
    const outT: ComputeDtype = edges.output ? 'bfloat16' : 'float32';
    const convert = (t: tf.Tensor, from: ComputeDtype, to: ComputeDtype) => (from === to ? t : nt.cast(t, to));
    return differentiable(
      [x],
      () => ({ value: convert(op(x, T), T, outT), save: [] }),
      (dy) => [inverse(convert(dy, outT, T), T)],
    );
  };
}

/** Reshapes to `shape` (one entry may be -1); `edges` as {@link nativeConv2d}, also under float32 (then none). */
export function nativeReshape(nt: NativeOps) {
  const reshape = (t: tf.Tensor, shape: number[], T: ComputeDtype) => nt.run('Reshape', [t, tf.tensor1d(shape, 'int32')], [nt.type('T', T), nt.type('Tshape', 'int32')]);
  return (x: tf.Tensor, shape: number[], edges?: Bf16Edges): tf.Tensor =>
    layoutOp(nt, (t, T) => reshape(t, shape, T), (dy, T) => reshape(dy, x.shape, T))(x, edges);
}

/** Transposes by `perm`; `edges` as {@link nativeReshape}. */
export function nativeTranspose(nt: NativeOps, perm: number[]) {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const transpose = (t: tf.Tensor, p: number[], T: ComputeDtype) => nt.run('Transpose', [t, tf.tensor1d(p, 'int32')], [nt.type('T', T), nt.type('Tperm', 'int32')]);
  return (x: tf.Tensor, edges?: Bf16Edges): tf.Tensor => layoutOp(nt, (t, T) => transpose(t, perm, T), (dy, T) => transpose(dy, inverse, T))(x, edges);
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
 * TensorFlow's StatelessRandomUniform, seeded by `seeds` (dropout-seeds.ts: from the run seed and the step, or from
 * Math.random as tfjs seeds an unseeded dropout): tfjs's distribution, drawn natively instead of one JavaScript
 * random number per element. With `noiseShape` (a shape
 * with 1 on the axes that share a draw, e.g. [N, 1, 1, C] for spatial dropout) the mask is drawn at that shape
 * and broadcast, as tfjs's noise shape does.
 */
export function nativeDropout(nt: NativeOps, rate: number, noiseShape?: (x: tf.Tensor) => number[], seeds: SeedPair = dropoutSeeds(undefined, '', { step: 0 })) {
  const T = nt.type('T');
  const uniform: OpAttr[] = [nt.type('dtype'), nt.type('T', 'int32'), nt.type('Tseed', 'int32')];
  const plain: OpAttr[] = [T];
  const keep = 1 - rate;
  return (x: tf.Tensor): tf.Tensor =>
    differentiable(
      [x],
      () => {
        const seed = tf.tensor1d(seeds(), 'int32');
        const u = nt.run('StatelessRandomUniform', [noiseShape ? tf.tensor1d(noiseShape(x), 'int32') : int32Shape(x), seed], uniform);
        const keepT = tf.scalar(keep);
        const mask = nt.run('RealDiv', [nt.run('Floor', [nt.run('AddV2', [u, keepT], plain)], plain), keepT], plain);
        return { value: nt.run('Mul', [x, mask], plain), save: [mask] };
      },
      (dy, [mask]) => [nt.run('Mul', [dy, mask], plain)],
    );
}
