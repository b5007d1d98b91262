import { Type } from '@sinclair/typebox';
import { discriminated, NonNegativeInt, NonNegativeNumber, PositiveInt, PositiveNumber, Strict, StringOptions } from './fields.js';

const learningRate = PositiveNumber({ description: 'Initial learning rate.', default: 0.001 });

// Gradient clipping, as Keras's optimizers name it; each optimizer takes these keys.
const clipping = {
  clipnorm: Type.Optional(
    PositiveNumber({ description: "Clip each weight's gradient to this L2 norm (Keras's `clipnorm`): g·min(1, clipnorm/‖g‖). Not with `global_clipnorm`." }),
  ),
  global_clipnorm: Type.Optional(
    PositiveNumber({
      description: "Clip all gradients together to this global L2 norm (Keras's `global_clipnorm`, tf.clip_by_global_norm): every g·min(1, global_clipnorm/‖all g‖). Not with `clipnorm`.",
    }),
  ),
  clipvalue: Type.Optional(PositiveNumber({ description: "Clip every gradient element to [-clipvalue, clipvalue] (Keras's `clipvalue`), after the norm clipping." })),
};

const beta1 = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'First-moment decay.', default: 0.9 });
const beta2 = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Second-moment decay.', default: 0.999 });
const epsilon = PositiveNumber({ description: 'Numerical stabiliser.', default: 1e-7 });

/** Optimizers, keyed by name. */
export const OptimizerSchemas = {
  adam: Strict({ learning_rate: learningRate, beta1, beta2, epsilon, ...clipping }, { description: 'Adam (Kingma & Ba).' }),
  adamw: Strict(
    {
      learning_rate: learningRate,
      weight_decay: NonNegativeNumber({
        description:
          "Decoupled weight decay (Loshchilov & Hutter), as Keras's AdamW: before each Adam step every trained weight w becomes w − learning_rate·weight_decay·w, using the current (scheduled) learning rate. Applies to every trained weight, biases and normalisation scales included, as in Keras.",
        default: 0.004,
      }),
      beta1,
      beta2,
      epsilon,
      ...clipping,
    },
    { description: 'AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), Keras\'s semantics and defaults.' },
  ),
  sgd: Strict(
    {
      learning_rate: learningRate,
      momentum: NonNegativeNumber({ description: 'Momentum (0 = plain SGD): v ← momentum·v + g, w ← w − learning_rate·v.', default: 0 }),
      nesterov: Type.Boolean({ description: 'Nesterov momentum: w ← w − learning_rate·(g + momentum·v). Needs momentum > 0.', default: false }),
      ...clipping,
    },
    { description: 'Stochastic gradient descent, optionally with (Nesterov) momentum.' },
  ),
  rmsprop: Strict(
    { learning_rate: learningRate, decay: NonNegativeNumber({ description: 'Discounting factor.', default: 0.9 }), ...clipping },
    { description: 'RMSProp.' },
  ),
};

/** Numeric precision of training, with Keras's policy names. */
export const PRECISIONS = ['float32', 'mixed_bfloat16'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** How the native training step runs a convolution that has a bias (see training.conv_kernel). */
export const CONV_KERNELS = ['auto', 'fused', 'separate'] as const;
export type ConvKernel = (typeof CONV_KERNELS)[number];

/** The `training` section. */
export const TrainingSchema = Strict(
  {
    epochs: PositiveInt({ description: 'Maximum number of epochs.', default: 10 }),
    batch_size: PositiveInt({ description: 'Sequences per training step.', default: 64 }),
    eval_batch_size: PositiveInt({ description: 'Sequences per evaluation step.', default: 512 }),
    optimizer: discriminated(OptimizerSchemas, { description: 'Optimizer.', default: { type: 'adam' } }),
    label_smoothing: Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Label smoothing of each head\'s cross-entropy.', default: 0 }),
    precision: StringOptions(PRECISIONS, {
      description:
        'Numeric precision, as Keras\'s policies: `float32`, or `mixed_bfloat16` (convolutions and matmuls with their bias, ReLU and gradients in ' +
        'bfloat16; weights, optimizer state, loss and softmax in float32). mixed_bfloat16 needs a CPU with AVX512-BF16 or AMX-BF16 ' +
        'and the native backend; elsewhere xp trains in float32 and says so, unless precision_fallback is `error`.',
      default: 'float32',
    }),
    precision_fallback: StringOptions(['float32', 'error'] as const, {
      description:
        'What `precision: mixed_bfloat16` does where bfloat16 is not available: `float32` trains in float32 (and logs it), ' +
        '`error` fails before training, naming training.precision.',
      default: 'float32',
    }),
    conv_kernel: StringOptions(CONV_KERNELS, {
      description:
        'How a convolution with a bias (and ReLU) runs on the native backend: `fused` as oneDNN\'s one conv+bias+ReLU kernel, ' +
        '`separate` as three TensorFlow ops. `auto` fuses under mixed_bfloat16, where TensorFlow\'s bfloat16 bias and ReLU kernels ' +
        'are slow (13 % faster steps on 06-final\'s model, bench/ratio.mjs), and keeps float32 separate (no gain measured). Only ' +
        'the rounding differs (bfloat16 rounds once, after the ReLU). Where the fused kernel cannot run, xp runs them separately and says so.',
      default: 'separate',
    }),
    threads: Strict(
      {
        intra_op: NonNegativeInt({ description: 'TensorFlow intra-op threads (0 = TensorFlow decides).', default: 0 }),
        inter_op: NonNegativeInt({ description: 'TensorFlow inter-op threads (0 = TensorFlow decides).', default: 0 }),
      },
      { description: 'Thread pools of the native backend (set before TensorFlow starts).', default: {} },
    ),
  },
  { description: 'Optimisation settings.', default: {} },
);
