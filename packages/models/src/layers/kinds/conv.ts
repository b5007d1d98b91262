// Convolutions: conv2d, depthwise_conv2d and separable_conv2d, on [h, w, c] feature maps.
import * as tf from '@tensorflow/tfjs';
import { PositiveInt, Strict, StringOptions, Type, type Static } from '@xp/core';
import { activationField, withActivation } from './activation.js';
import { needsMap, showShape, type LayerKind, type Shape, type ShapeResult } from './kind.js';

const common = {
  kernel: PositiveInt({ description: 'Kernel size (square).', default: 3 }),
  stride: PositiveInt({ description: 'Stride (both axes).', default: 1 }),
  padding: StringOptions(['same', 'valid'] as const, { description: '`same` keeps the size (at stride 1); `valid` shrinks it by kernel − 1.', default: 'same' }),
  activation: activationField('Activation applied to the output.', 'linear'),
  use_bias: Type.Boolean({ description: 'Add a bias per output channel (off before batch_norm, whose beta does the same).', default: true }),
};
const dilation = PositiveInt({ description: 'Dilation rate (both axes); > 1 needs stride 1.', default: 1 });
const depthMultiplier = PositiveInt({ description: 'Depthwise outputs per input channel.', default: 1 });

export const Conv2dSchema = Strict({ filters: PositiveInt({ description: 'Output channels.' }), ...common, dilation }, { description: 'A 2-D convolution.' });
export const DepthwiseConv2dSchema = Strict({ ...common, dilation, depth_multiplier: depthMultiplier }, { description: 'A depthwise 2-D convolution (one filter per input channel).' });
export const SeparableConv2dSchema = Strict(
  { filters: PositiveInt({ description: 'Output channels of the pointwise step.' }), ...common, dilation, depth_multiplier: depthMultiplier },
  { description: 'A depthwise convolution followed by a 1×1 pointwise one.' },
);
type Common = { kernel: number; stride: number; padding: 'same' | 'valid'; dilation: number };

/** One spatial axis after a window of `size` (dilated) with `stride`, as tfjs computes it. */
export function windowOut(n: number, size: number, stride: number, padding: 'same' | 'valid', dilation = 1): number {
  const span = (size - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - span) / stride) + 1;
}

/** The [h, w] after the window, or a problem when it is empty or tfjs cannot run it. */
function spatial(kind: string, input: Shape, o: Common): { hw: [number, number] } | { problem: string } {
  const notMap = needsMap(kind, input, 'remove the flatten, dense or global pool before it, or move this layer up');
  if (notMap) return { problem: notMap };
  if (o.dilation > 1 && o.stride > 1) return { problem: `${kind} with dilation ${o.dilation} needs stride 1 (tfjs has no strided dilated convolution), got stride ${o.stride}` };
  const [h, w] = input;
  const hw: [number, number] = [windowOut(h, o.kernel, o.stride, o.padding, o.dilation), windowOut(w, o.kernel, o.stride, o.padding, o.dilation)];
  if (hw[0] < 1 || hw[1] < 1) {
    const span = (o.kernel - 1) * o.dilation + 1;
    return { problem: `${kind}: its ${span}×${span} valid window does not fit the ${showShape(input)} feature map (output ${hw[0]}×${hw[1]}); use padding: same, a smaller kernel, or fewer pools before it` };
  }
  return { hw };
}

type Conv2dOptions = Static<typeof Conv2dSchema>;
type DepthwiseOptions = Static<typeof DepthwiseConv2dSchema>;
type SeparableOptions = Static<typeof SeparableConv2dSchema>;

const fromSpatial = (r: ReturnType<typeof spatial>, channels: number, params: number): ShapeResult => ('problem' in r ? r : { out: [...r.hw, channels], params });

/** `- conv2d: { filters: 32, kernel: 3, stride: 1, padding: same, dilation: 1, activation: relu }` */
export const conv2d: LayerKind<Conv2dOptions> = {
  schema: Conv2dSchema,
  summary: 'a 2-D convolution',
  shape: (input, o) => fromSpatial(spatial('conv2d', input, o), o.filters, o.kernel * o.kernel * (input[2] ?? 0) * o.filters + (o.use_bias ? o.filters : 0)),
  build: (o, a) =>
    withActivation(o.activation, a, (activation) =>
      tf.layers.conv2d({
        filters: o.filters, kernelSize: o.kernel, strides: o.stride, padding: o.padding, dilationRate: o.dilation, activation, useBias: o.use_bias,
        kernelInitializer: a.init(), kernelRegularizer: a.kernelRegularizer, name: a.name, trainable: a.trainable,
      }),
    ),
};

/** `- depthwise_conv2d: { kernel: 3, depth_multiplier: 1 }` */
export const depthwiseConv2d: LayerKind<DepthwiseOptions> = {
  schema: DepthwiseConv2dSchema,
  summary: 'a depthwise 2-D convolution',
  shape: (input, o) => {
    const out = (input[2] ?? 0) * o.depth_multiplier;
    return fromSpatial(spatial('depthwise_conv2d', input, o), out, o.kernel * o.kernel * out + (o.use_bias ? out : 0));
  },
  build: (o, a) =>
    withActivation(o.activation, a, (activation) =>
      tf.layers.depthwiseConv2d({
        kernelSize: o.kernel, strides: o.stride, padding: o.padding, dilationRate: o.dilation, depthMultiplier: o.depth_multiplier, activation, useBias: o.use_bias,
        depthwiseInitializer: a.init(), depthwiseRegularizer: a.kernelRegularizer, name: a.name, trainable: a.trainable,
      }),
    ),
};

/** `- separable_conv2d: { filters: 64, kernel: 3 }` */
export const separableConv2d: LayerKind<SeparableOptions> = {
  schema: SeparableConv2dSchema,
  summary: 'a depthwise then pointwise 2-D convolution',
  shape: (input, o) => {
    const mid = (input[2] ?? 0) * o.depth_multiplier;
    return fromSpatial(spatial('separable_conv2d', input, o), o.filters, o.kernel * o.kernel * mid + mid * o.filters + (o.use_bias ? o.filters : 0));
  },
  build: (o, a) =>
    withActivation(o.activation, a, (activation) =>
      tf.layers.separableConv2d({
        filters: o.filters, kernelSize: o.kernel, strides: o.stride, padding: o.padding, dilationRate: o.dilation, depthMultiplier: o.depth_multiplier, activation,
        useBias: o.use_bias, depthwiseInitializer: a.init(), pointwiseInitializer: a.init(), depthwiseRegularizer: a.kernelRegularizer,
        pointwiseRegularizer: a.kernelRegularizer, name: a.name, trainable: a.trainable,
      }),
    ),
};
