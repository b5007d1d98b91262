// Depthwise and separable 2-D convolutions (NHWC, no dilation) → bias → optional ReLU as native ops with
// TensorFlow's gradients: DepthwiseConv2dNative and its two backprop kernels, and for the separable one the
// depthwise step followed by a 1×1 Conv2D (tfjs's separableConv2d). In `compute` (bf16 under mixed precision,
// with `edges` as layer-ops.ts's nativeConv2d).
import type * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';
import { biasRelu, boundaryCasts, differentiable, int32Shape, type Bf16Edges, type ComputeDtype, type Conv2dSpec, type GradNeeds } from './layer-ops.js';

function depthwiseAttrs(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype): OpAttr[] {
  return [
    nt.type('T', compute),
    nt.int('strides', [1, spec.strides[0], spec.strides[1], 1]),
    nt.str('padding', spec.padding.toUpperCase()),
    nt.int('explicit_paddings', []),
    nt.str('data_format', 'NHWC'),
    nt.int('dilations', [1, 1, 1, 1]),
  ];
}

/** Depthwise conv2d (kernel [kh, kw, in, multiplier]) → bias → optional ReLU. */
export function nativeDepthwiseConv2d(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype = 'float32') {
  const dw = depthwiseAttrs(nt, spec, compute);
  const tail = biasRelu(nt, spec.relu, compute);
  return (x: tf.Tensor4D, kernel: tf.Tensor4D, b: tf.Tensor1D | null, needs: GradNeeds, edges?: Bf16Edges): tf.Tensor4D => {
    const cast = boundaryCasts(nt, compute, edges);
    return differentiable(
      [...(needs.input ? [x] : []), kernel, ...(b ? [b] : [])],
      () => {
        const [xc, kc] = [cast.input(x), cast.in(kernel)];
        const y = tail.apply(nt.run('DepthwiseConv2dNative', [xc, kc], dw), b);
        return { value: cast.output(y), save: [xc, kc, y] };
      },
      (dy, [xc, kc, y]) => {
        const dz = tail.reluGrad(cast.outputGrad(dy), y);
        return tail.grads(
          needs, b, dz,
          () => cast.inputGrad(nt.run('DepthwiseConv2dNativeBackpropInput', [int32Shape(xc), kc, dz], dw)),
          () => nt.run('DepthwiseConv2dNativeBackpropFilter', [xc, int32Shape(kc), dz], dw),
        );
      },
    ) as tf.Tensor4D;
  };
}

/** Separable conv2d: depthwise (kernel [kh, kw, in, m], `spec`'s strides and padding) → 1×1 conv ([1, 1, in·m, out]) → bias → optional ReLU. */
export function nativeSeparableConv2d(nt: NativeOps, spec: Conv2dSpec, compute: ComputeDtype = 'float32') {
  const dw = depthwiseAttrs(nt, spec, compute);
  const pw: OpAttr[] = [...depthwiseAttrs(nt, { ...spec, strides: [1, 1], padding: 'valid' }, compute), nt.bool('use_cudnn_on_gpu', true)];
  const tail = biasRelu(nt, spec.relu, compute);
  return (x: tf.Tensor4D, depthwise: tf.Tensor4D, pointwise: tf.Tensor4D, b: tf.Tensor1D | null, needs: GradNeeds, edges?: Bf16Edges): tf.Tensor4D => {
    const cast = boundaryCasts(nt, compute, edges);
    return differentiable(
      [...(needs.input ? [x] : []), depthwise, pointwise, ...(b ? [b] : [])],
      () => {
        const [xc, dk, pk] = [cast.input(x), cast.in(depthwise), cast.in(pointwise)];
        const z = nt.run('DepthwiseConv2dNative', [xc, dk], dw);
        const y = tail.apply(nt.run('Conv2D', [z, pk], pw), b);
        return { value: cast.output(y), save: [xc, dk, pk, z, y] };
      },
      (dy, [xc, dk, pk, z, y]) => {
        const dOut = tail.reluGrad(cast.outputGrad(dy), y);
        const dz = nt.run('Conv2DBackpropInput', [int32Shape(z), pk, dOut], pw);
        // tail.grads orders [input, kernel, bias]; the pointwise kernel's gradient goes between.
        const grads = tail.grads(
          needs, b, dOut,
          () => cast.inputGrad(nt.run('DepthwiseConv2dNativeBackpropInput', [int32Shape(xc), dk, dz], dw)),
          () => nt.run('DepthwiseConv2dNativeBackpropFilter', [xc, int32Shape(dk), dz], dw),
        );
        const dPointwise = cast.out(nt.run('Conv2DBackpropFilter', [z, int32Shape(pk), dOut], pw));
        grads.splice(needs.input ? 2 : 1, 0, dPointwise);
        return grads;
      },
    ) as tf.Tensor4D;
  };
}
