// The training-mode forward pass of a tfjs-layers model, layer by layer as tfjs's own executor runs it, but with
// these layers as native TensorFlow kernels with TensorFlow's gradients (see layer-ops.ts and its siblings):
// Conv2D, DepthwiseConv2D, SeparableConv2D, Dense (with ReLU or another native activation), MaxPooling2D,
// AveragePooling2D, global pooling, BatchNormalization, LayerNormalization, Add, Concatenate, ReLU and the other
// activations of activation-ops.ts, Dropout (also spatial) and the layout layers. A convolution followed by max
// pooling is one op that pools before the bias and ReLU, one followed by a ReLU layer one op, batch norm followed by
// ReLU/max pooling one op, and an Add followed by a ReLU one op. Every other layer runs its own tfjs `apply`, so
// any model works; the weights are the model's own variables, so the optimizer, callbacks and checkpoints see no
// difference. Batch norm updates its moving statistics as tfjs's layer does; a batch-norm layer that is not
// trainable (frozen) runs in inference mode, as Keras runs it, so freezing it freezes its moving statistics too.
// Under mixed_bfloat16 the convolution, dense and batch-norm steps compute in bf16 inside their native ops
// (layer-ops.ts says why casts sit at each op's boundary). A step's output stays bf16 only along an edge to the one
// step that reads it, when both are such ops (e.g. conv→pool → conv→pool, or through native Flatten/Reshape/Permute
// layers to a dense); everything else that leaves a step is float32, so the layers that run their own tfjs call,
// the other native ops (merge, pooling, activations, layer norm), the loss (softmax cross-entropy) and the
// optimizer run in float32, as under Keras's mixed policy.
import * as tf from '@tensorflow/tfjs';
import type { Precision } from '@xp/core';
import { allowBf16Outputs } from './bfloat16.js';
import { dropoutSeeds, type StepClock } from './dropout-seeds.js';
import { nativeOps, type NativeOps } from './exec.js';
import { isNativeActivation, nativeActivation } from './activation-ops.js';
import { nativeLayerNorm } from './layer-norm-op.js';
import { nativeBatchNorm, updateMovingAverage, type BatchNormWeights } from './batch-norm-op.js';
import { nativeDepthwiseConv2d, nativeSeparableConv2d } from './depthwise-ops.js';
import { nativeAdd, nativeConcat } from './merge-ops.js';
import { nativeAvgPool, nativeGlobalPool } from './pool-ops.js';
import {
  hasFusedConv,
  hasMklMaxPool,
  nativeConv2d,
  nativeConvPool,
  nativeDense,
  nativeDropout,
  nativeMaxPool,
  nativeRelu,
  nativeReshape,
  nativeTranspose,
  type Bf16Edges,
  type ComputeDtype,
  type Conv2dSpec,
  type GradNeeds,
  type MaxPoolSpec,
} from './layer-ops.js';

type Layer = tf.layers.Layer;
type Symbolic = tf.SymbolicTensor;
type LayerRun = (inputs: tf.Tensor[], needs: GradNeeds, edges: Bf16Edges) => tf.Tensor;

interface LayerConfig {
  activation?: string;
  strides?: number[];
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
  poolSize?: number[];
  useBias?: boolean;
  activityRegularizer?: unknown;
  rate?: number;
  noiseShape?: (number | null)[] | null;
  seed?: number | null;
  targetShape?: number[];
  dims?: number[];
  axis?: number | number[];
  momentum?: number;
  epsilon?: number;
  maxValue?: number | null;
  alpha?: number;
}

/** A tfjs-layers BatchNormalization layer's variables (LayerVariables; fields of the layer, absent ones null). */
interface BatchNormLayer {
  gamma?: { read(): tf.Tensor } | null;
  beta?: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): unknown };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): unknown };
}

/** One layer call of the model. */
interface Node {
  layer: Layer;
  output: Symbolic;
  inputs: Symbolic[];
}

/** What the forward pass runs: one layer call, or a chain of calls fused into one native op. */
interface Step {
  output: Symbolic;
  inputs: Symbolic[];
  /** Whether the step trains weights (asked at each call, see {@link trains}). */
  trains: () => boolean;
  /** The layers this step computes natively (none when it runs a layer's own tfjs call). */
  nativeLayers: string[];
  /** Whether the step's native op can take and give bf16: a convolution, dense or layout op (see {@link linkBf16Edges}). */
  bf16Capable?: boolean;
  /** Which of its sides are bf16 edges (set by {@link linkBf16Edges}). */
  edges: Bf16Edges;
  run: LayerRun;
}

const ones = (xs: number | number[] | undefined) => [xs ?? 1].flat().every((d) => d === 1);
const config = (layer: Layer) => layer.getConfig() as LayerConfig;
const weight = (layer: Layer, i: number) => layer.weights[i].read();

/**
 * The convolution spec of a Conv2D layer (or of `className`) with a native implementation, else null; `activation`
 * replaces the layer's (nativeLayer runs other activations as their own op after a linear convolution).
 */
function convSpec(layer: Layer, className = 'Conv2D', activation = config(layer).activation): Conv2dSpec | null {
  const c = config(layer);
  if (layer.getClassName() !== className || c.activityRegularizer || c.dataFormat !== 'channelsLast' || !ones(c.dilationRate)) return null;
  if (activation !== 'relu' && activation !== 'linear') return null;
  return { strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid', relu: activation === 'relu' };
}

/** Layers whose own activation can be another native op (see nativeLayer). */
const WITH_ACTIVATION = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

/** The pooling spec of a MaxPooling2D layer with a native implementation, else null. */
function poolSpec(nt: NativeOps, layer: Layer): MaxPoolSpec | null {
  const c = config(layer);
  if (layer.getClassName() !== 'MaxPooling2D' || c.dataFormat !== 'channelsLast' || !hasMklMaxPool(nt)) return null;
  return { pool: c.poolSize as [number, number], strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid' };
}

/** An Activation('relu') layer, or a ReLU layer without a cap. */
const isReluActivation = (layer: Layer) =>
  (layer.getClassName() === 'Activation' && config(layer).activation === 'relu') || (layer.getClassName() === 'ReLU' && config(layer).maxValue == null);

const channelsLast = (c: LayerConfig) => c.dataFormat === undefined || c.dataFormat === 'channelsLast';

/** What every native op of a program is built with, besides the compute type. */
interface PlanContext {
  runSeed: number | undefined;
  clock: StepClock;
  /** Convolutions with a bias run as oneDNN's fused kernel (ForwardOptions.fusedConv, where it runs). */
  fusedConv: boolean;
}

/** Where a layer call sits (its seeds of randomness come from it). */
interface Site extends PlanContext {
  /** The layer call, unique in the model (layer name and position in the program). */
  name: string;
}

/**
 * A native implementation of `layer`, or null when it has none (the layer then runs its own tfjs call).
 * `activation` replaces the layer's own (a convolution or dense with, say, tanh runs linear, then the tanh op).
 */
function nativeLayer(nt: NativeOps, layer: Layer, inputRank: number, compute: ComputeDtype, site: Site, activation = config(layer).activation): LayerRun | null {
  const c = config(layer);
  if (c.activityRegularizer) return null;
  if (isNativeActivation(activation) && WITH_ACTIVATION.has(layer.getClassName())) {
    const linear = nativeLayer(nt, layer, inputRank, compute, site, 'linear');
    const act = nativeActivation(nt, activation);
    // The activation op is float32: the step takes no bf16 edges (takesBf16), so its output is float32 already.
    return linear && ((xs, needs, edges) => act(linear(xs, needs, edges)));
  }
  const bias = () => (c.useBias ? (weight(layer, 1) as tf.Tensor1D) : null);
  const conv = convSpec(layer, 'Conv2D', activation);
  if (conv) {
    const op = nativeConv2d(nt, conv, compute, site.fusedConv);
    return ([x], needs, edges) => op(x as tf.Tensor4D, weight(layer, 0) as tf.Tensor4D, bias(), needs, edges);
  }
  const pool = poolSpec(nt, layer);
  if (pool) {
    const op = nativeMaxPool(nt, pool);
    return ([x], needs) => (needs.input ? op(x as tf.Tensor4D) : tf.maxPool(x as tf.Tensor4D, pool.pool, pool.strides, pool.padding));
  }
  if (isReluActivation(layer)) {
    const op = nativeRelu(nt);
    return ([x], needs) => (needs.input ? op(x) : tf.relu(x));
  }
  const depthwise = convSpec(layer, 'DepthwiseConv2D', activation);
  if (depthwise) {
    const op = nativeDepthwiseConv2d(nt, depthwise, compute);
    return ([x], needs, edges) => op(x as tf.Tensor4D, weight(layer, 0) as tf.Tensor4D, bias(), needs, edges);
  }
  const separable = convSpec(layer, 'SeparableConv2D', activation);
  if (separable) {
    const op = nativeSeparableConv2d(nt, separable, compute);
    const sepBias = () => (c.useBias ? (weight(layer, 2) as tf.Tensor1D) : null);
    return ([x], needs, edges) => op(x as tf.Tensor4D, weight(layer, 0) as tf.Tensor4D, weight(layer, 1) as tf.Tensor4D, sepBias(), needs, edges);
  }
  switch (layer.getClassName()) {
    case 'Dense': {
      if (activation !== 'relu' && activation !== 'linear') return null;
      const op = nativeDense(nt, activation === 'relu', compute);
      // Under bf16 the reshapes are native, so that a bf16 edge can reach through them (tfjs's would misread it).
      const native = nativeReshape(nt);
      const reshape = (t: tf.Tensor, shape: number[], bf16: boolean | undefined) =>
        compute === 'bfloat16' ? native(t, shape, { input: bf16, output: bf16 }) : tf.reshape(t, shape);
      return ([x], needs, edges) => {
        // Dense on [..., features] is one matmul over the flattened leading axes, as tfjs-layers does it.
        if (x.rank === 2) return op(x as tf.Tensor2D, weight(layer, 0) as tf.Tensor2D, bias(), needs, edges);
        const flat = reshape(x, [-1, x.shape[x.rank - 1]], edges.input) as tf.Tensor2D;
        const y = op(flat, weight(layer, 0) as tf.Tensor2D, bias(), needs, edges);
        return reshape(y, [...x.shape.slice(0, -1), y.shape[1]], edges.output);
      };
    }
    // Layout layers: the same TensorFlow op as tfjs-node's kernel, but under bf16 they can carry bf16 edges (see linkBf16Edges).
    case 'Flatten':
    case 'Reshape': {
      if (!channelsLast(c)) return null;
      const op = nativeReshape(nt);
      const target = layer.getClassName() === 'Flatten' ? [-1] : (c.targetShape as number[]);
      return ([x], _needs, edges) => op(x, [x.shape[0], ...target], edges);
    }
    case 'Permute': {
      const op = nativeTranspose(nt, [0, ...(c.dims as number[])]);
      return ([x], _needs, edges) => op(x, edges);
    }
    case 'Activation': {
      if (!isNativeActivation(c.activation)) return null;
      const op = nativeActivation(nt, c.activation);
      return ([x]) => op(x);
    }
    case 'LayerNormalization': {
      // Over the last axis only (the default); tfjs resolves the axis to a list when the layer is built.
      const axis = [c.axis].flat();
      if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== inputRank - 1)) return null;
      const op = nativeLayerNorm(nt, c.epsilon ?? 1e-3);
      const ln = layer as unknown as { gamma?: { read(): tf.Tensor } | null; beta?: { read(): tf.Tensor } | null };
      return ([x], needs) => op(x, (ln.gamma?.read() as tf.Tensor1D | undefined) ?? null, (ln.beta?.read() as tf.Tensor1D | undefined) ?? null, needs);
    }
    case 'LeakyReLU': {
      const op = nativeActivation(nt, 'leaky_relu', c.alpha ?? 0.3);
      return ([x]) => op(x);
    }
    case 'Concatenate': {
      const op = nativeConcat(nt, c.axis as number);
      return (xs) => op(xs);
    }
    case 'AveragePooling2D': {
      if (!channelsLast(c)) return null;
      const op = nativeAvgPool(nt, { pool: c.poolSize as [number, number], strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid' });
      return ([x]) => op(x as tf.Tensor4D);
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      if (!channelsLast(c)) return null;
      const op = nativeGlobalPool(nt, layer.getClassName() === 'GlobalMaxPooling2D' ? 'max' : 'avg');
      return ([x]) => op(x as tf.Tensor4D);
    }
    case 'Dropout':
    case 'SpatialDropout1D': {
      // A seeded tfjs dropout layer reuses its mask: it keeps its tfjs call. A noise shape's null axes are the input's.
      const rate = c.rate ?? 0;
      if (c.seed != null || !(rate > 0 && rate < 1)) return null;
      const given = c.noiseShape;
      const noise =
        layer.getClassName() === 'SpatialDropout1D'
          ? (x: tf.Tensor) => [x.shape[0], 1, x.shape[2] as number]
          : given == null
            ? undefined
            : (x: tf.Tensor) => given.map((d, i) => d ?? x.shape[i]);
      const op = nativeDropout(nt, rate, noise, dropoutSeeds(site.runSeed, site.name, site.clock));
      return ([x]) => op(x);
    }
    default:
      return null;
  }
}

/** The layer calls that produce the model's outputs, inputs before consumers; null if a call has several outputs. */
function topologicalNodes(model: tf.LayersModel): Node[] | null {
  const nodes: Node[] = [];
  const seen = new Set<number>(model.inputs.map((x) => x.id));
  let supported = true;
  const visit = (t: Symbolic) => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if (t.outputTensorIndex !== undefined) supported = false; // a multi-output layer: not handled here
    t.inputs.forEach(visit);
    nodes.push({ layer: t.sourceLayer, output: t, inputs: t.inputs });
  };
  model.outputs.forEach(visit);
  return supported ? nodes : null;
}

/** Whether a layer trains now (read at each step: a callback may freeze or unfreeze layers between epochs). */
const trains = (layer: Layer) => layer.trainable && layer.trainableWeights.length > 0;

/** The model's layer calls as a graph: who reads each output, and which are the model's outputs. */
interface Graph {
  consumers: Map<number, Node[]>;
  outputs: Set<number>;
  /** Layer classes kept on their tfjs call (ForwardOptions.tfjsClasses). */
  tfjsClasses: Set<string>;
}

/** The one layer call that reads `n`'s output, when nothing else does and it is not a model output. */
function soleReader(n: Node, g: Graph): Node | undefined {
  const readers = g.consumers.get(n.output.id);
  const next = !g.outputs.has(n.output.id) && readers?.length === 1 ? readers[0] : undefined;
  return next && !g.tfjsClasses.has(next.layer.getClassName()) ? next : undefined;
}

/**
 * The layers after `start` that its native op can absorb, each the sole reader of the one before (so nothing else
 * needs the unpooled or pre-ReLU activations): a ReLU layer when `want.relu`, then a max pooling when `want.pool`.
 */
function absorbTail(nt: NativeOps, start: Node, g: Graph, want: { relu: boolean; pool: boolean }) {
  const chain = [start];
  let next = soleReader(start, g);
  let relu = false;
  if (next && want.relu && isReluActivation(next.layer)) {
    chain.push(next);
    relu = true;
    next = soleReader(next, g);
  }
  const pool = next && want.pool ? poolSpec(nt, next.layer) : null;
  if (next && pool) chain.push(next);
  return { chain, relu, pool };
}

/** A step computing the chain of layer calls `fused` (the first one's input, the last one's output) with `run`. */
function fusedStep(fused: Node[], run: LayerRun, bf16Capable: boolean): { fused: Node[]; step: Step } {
  const first = fused[0].layer;
  const step: Step = {
    output: fused[fused.length - 1].output, inputs: fused[0].inputs, trains: () => trains(first), nativeLayers: fused.map((n) => n.layer.name), bf16Capable, edges: {}, run,
  };
  return { fused, step };
}

/**
 * Conv2D [→ ReLU] [→ MaxPooling2D] starting at `conv`, at least two of them (a lone convolution is nativeLayer's):
 * the nodes and the fused step, else null.
 */
function convPoolChain(nt: NativeOps, compute: ComputeDtype, conv: Node, g: Graph, { fusedConv }: PlanContext) {
  const spec = convSpec(conv.layer);
  if (!spec) return null;
  const { chain, relu, pool } = absorbTail(nt, conv, g, { relu: !spec.relu, pool: true });
  if (chain.length === 1) return null;
  const op = pool
    ? nativeConvPool(nt, { ...spec, relu: spec.relu || relu }, pool, compute, fusedConv)
    : nativeConv2d(nt, { ...spec, relu: spec.relu || relu }, compute, fusedConv);
  const layer = conv.layer;
  const bias = config(layer).useBias;
  return fusedStep(chain, ([x], needs, edges) => op(x as tf.Tensor4D, weight(layer, 0) as tf.Tensor4D, bias ? (weight(layer, 1) as tf.Tensor1D) : null, needs, edges), true);
}

/**
 * BatchNormalization over the last axis of a rank 2–4 input [→ ReLU] [→ MaxPooling2D]: one native op, in training
 * mode (updating the moving statistics as tfjs's layer does) while the layer is trainable, else in inference mode.
 */
function batchNormChain(nt: NativeOps, compute: ComputeDtype, n: Node, g: Graph) {
  if (n.layer.getClassName() !== 'BatchNormalization') return null;
  const c = config(n.layer);
  const rank = n.inputs[0].shape.length;
  if (typeof c.axis !== 'number' || (c.axis !== -1 && c.axis !== rank - 1) || rank < 2 || rank > 4) return null;
  const { chain, relu, pool } = absorbTail(nt, n, g, { relu: true, pool: rank === 4 });
  const spec = { epsilon: c.epsilon ?? 1e-3, relu, pool };
  const [training, inference] = [nativeBatchNorm(nt, { ...spec, training: true }, compute), nativeBatchNorm(nt, { ...spec, training: false }, compute)];
  const bn = n.layer as unknown as BatchNormLayer;
  const momentum = c.momentum ?? 0.99;
  const weights = (): BatchNormWeights => ({
    gamma: (bn.gamma?.read() as tf.Tensor1D | undefined) ?? null,
    beta: (bn.beta?.read() as tf.Tensor1D | undefined) ?? null,
    movingMean: bn.movingMean.read() as tf.Tensor1D,
    movingVariance: bn.movingVariance.read() as tf.Tensor1D,
  });
  const run: LayerRun = ([x], needs, edges) => {
    if (!n.layer.trainable) return inference(x, weights(), needs, edges);
    return training(x, weights(), needs, edges, (s) => {
      updateMovingAverage(bn.movingMean, s.mean, momentum);
      updateMovingAverage(bn.movingVariance, s.variance, momentum);
    });
  };
  return fusedStep(chain, run, true);
}

/** Add of same-shaped inputs [→ ReLU], as a residual block ends. */
function addChain(nt: NativeOps, n: Node, g: Graph) {
  if (n.layer.getClassName() !== 'Add' || config(n.layer).activityRegularizer) return null;
  const shapes = n.inputs.map((t) => JSON.stringify(t.shape));
  if (shapes.some((s) => s !== shapes[0])) return null; // broadcasting adds keep tfjs's call
  const { chain, relu } = absorbTail(nt, n, g, { relu: true, pool: false });
  const op = nativeAdd(nt, relu);
  return fusedStep(chain, (xs) => op(xs), false);
}

/** A generic step: the layer's own tfjs call (a frozen batch norm in inference mode, as its native op runs it). */
function tfjsStep(n: Node): LayerRun {
  const isBatchNorm = n.layer.getClassName() === 'BatchNormalization';
  return (xs) => n.layer.apply(xs.length === 1 ? xs[0] : xs, { training: !isBatchNorm || n.layer.trainable }) as tf.Tensor;
}

/** The steps of the forward pass: fused chains, native layers, and tfjs calls for the rest (all of them without `nt`). */
function plan(nt: NativeOps | undefined, model: tf.LayersModel, compute: ComputeDtype, tfjsClasses: Set<string>, context: PlanContext): Step[] | null {
  const nodes = topologicalNodes(model);
  if (!nodes) return null;
  const g: Graph = { consumers: new Map(), outputs: new Set(model.outputs.map((t) => t.id)), tfjsClasses };
  for (const n of nodes) for (const x of n.inputs) g.consumers.set(x.id, [...(g.consumers.get(x.id) ?? []), n]);
  const done = new Set<Node>();
  const steps: Step[] = [];
  for (const n of nodes) {
    if (done.has(n)) continue;
    const native = nt && !tfjsClasses.has(n.layer.getClassName()) ? nt : undefined;
    const chain = native && (convPoolChain(native, compute, n, g, context) ?? batchNormChain(native, compute, n, g) ?? addChain(native, n, g));
    if (chain) {
      chain.fused.forEach((f) => done.add(f));
      steps.push(chain.step);
      continue;
    }
    const run = native && nativeLayer(native, n.layer, n.inputs[0].shape.length, compute, { ...context, name: `${n.layer.name}#${steps.length}` });
    steps.push({
      output: n.output, inputs: n.inputs, trains: () => trains(n.layer), nativeLayers: run ? [n.layer.name] : [], bf16Capable: Boolean(run) && takesBf16(n),
      edges: {}, run: run || tfjsStep(n),
    });
  }
  if (compute === 'bfloat16') linkBf16Edges(steps, g.outputs);
  return steps;
}

/** Layers whose native op can take and give bf16 (for a Dense or layout layer, only its bf16 variant is native). */
const takesBf16 = (n: Node) =>
  ['relu', 'linear', undefined].includes(config(n.layer).activation) &&
  ['Conv2D', 'Dense', 'Flatten', 'Reshape', 'Permute', 'DepthwiseConv2D', 'SeparableConv2D'].includes(n.layer.getClassName());

/**
 * Marks the bf16 edges: a bf16-capable step's output that is not a model output and is read by exactly one step,
 * itself bf16-capable with that one input. tfjs's tape then only passes the bf16 handle (and its gradient) from
 * one op to the other: nothing adds gradients of two consumers, and no tfjs kernel reads it.
 */
function linkBf16Edges(steps: Step[], outputs: Set<number>): void {
  const readers = new Map<number, Step[]>();
  for (const s of steps) for (const x of s.inputs) readers.set(x.id, [...(readers.get(x.id) ?? []), s]);
  for (const s of steps) {
    const next = readers.get(s.output.id);
    if (!s.bf16Capable || outputs.has(s.output.id) || next?.length !== 1) continue;
    if (!next[0].bf16Capable || next[0].inputs.length !== 1) continue;
    s.edges.output = true;
    next[0].edges.input = true;
  }
}

/** Forward pass of `model` in training mode on `xs`: the same outputs as `model.apply(xs, { training: true })`. */
/** A training-mode forward pass; `step` (the training step, counted from 0 over the run) seeds dropout's masks. */
export type TrainingForward = (xs: tf.Tensor | tf.Tensor[], step?: number) => tf.Tensor | tf.Tensor[];

/** How the training forward computes. */
export interface ForwardOptions {
  /**
   * float32 (the default), or mixed_bfloat16: bf16 convolutions and matmuls. The caller resolves it first
   * (precision.ts's resolvePrecision: bf16 only where the CPU and TensorFlow run it); off the native backend
   * there are no native ops, so it has no effect.
   */
  precision?: Precision;
  /** Layer classes to run on their tfjs call even where a native op exists (to compare the two, as bench/step-profile.mjs does). */
  tfjsClasses?: string[];
  /**
   * The run's seed: native dropout then draws its masks from (seed, layer call, step), so a run is reproducible.
   * Without it, masks come from Math.random, as tfjs's unseeded dropout draws them.
   */
  seed?: number;
  /**
   * Convolutions with a bias as oneDNN's fused kernel (conv, bias and ReLU in one; see layer-ops.ts), where the
   * addon can run it (hasFusedConv). A run resolves it from training.conv_kernel (conv-kernel.ts); off by default here.
   * It changes bf16 rounding (the bias and ReLU are applied before the output is rounded to bf16).
   */
  fusedConv?: boolean;
}

interface Program {
  nt: NativeOps | undefined;
  steps: Step[] | null;
  /** The step the next forward pass is for (the dropout seeds read it). */
  clock: StepClock;
}

const programs = new WeakMap<tf.LayersModel, Map<string, Program>>();

function programOf(model: tf.LayersModel, opts: ForwardOptions = {}): Program {
  const nt = nativeOps();
  const compute: ComputeDtype = nt && opts.precision === 'mixed_bfloat16' ? 'bfloat16' : 'float32';
  const tfjsClasses = new Set(opts.tfjsClasses ?? []);
  const fusedConv = Boolean(nt && opts.fusedConv && hasFusedConv(nt));
  const key = `${nt ? compute : 'tfjs'} ${[...tfjsClasses].sort().join(',')} ${opts.seed ?? 'unseeded'} ${fusedConv ? 'fused' : ''}`;
  const cache = programs.get(model) ?? new Map<string, Program>();
  programs.set(model, cache);
  let program = cache.get(key);
  if (program === undefined || program.nt !== nt) {
    if (nt && compute === 'bfloat16') allowBf16Outputs(nt.backend);
    const clock: StepClock = { step: 0 };
    program = { nt, clock, steps: plan(nt, model, compute, tfjsClasses, { runSeed: opts.seed, clock, fusedConv }) };
    cache.set(key, program);
  }
  return program;
}

/** The bf16 edges of the training forward under `precision` as 'producer→consumer' layer names (see linkBf16Edges). */
export function bf16EdgeNames(model: tf.LayersModel, opts: ForwardOptions = {}): string[] {
  const steps = programOf(model, opts).steps ?? [];
  return steps.filter((s) => s.edges.output).map((s) => {
    const next = steps.find((t) => t.edges.input && t.inputs[0].id === s.output.id);
    return `${s.nativeLayers.at(-1)}→${next?.nativeLayers[0]}`;
  });
}

/** Names of the layers whose training forward runs native kernels (none off the `tensorflow` backend). */
export function nativeLayerNames(model: tf.LayersModel, opts: ForwardOptions = {}): string[] {
  return (programOf(model, opts).steps ?? []).flatMap((s) => s.nativeLayers);
}

/**
 * The classes of the layers whose training step runs their own tfjs call, in model order, each once (every class
 * for a model with a multi-output layer, which runs as `model.apply`); null without native ops (off the
 * `tensorflow` backend, or XP_NATIVE_KERNELS=0).
 */
export function tfjsLayerClasses(model: tf.LayersModel, opts: ForwardOptions = {}): string[] | null {
  if (!nativeOps()) return null;
  const steps = programOf(model, opts).steps;
  const layers = steps ? steps.filter((s) => s.nativeLayers.length === 0).map((s) => s.output.sourceLayer) : model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  return [...new Set(layers.map((l) => l.getClassName()))];
}

/**
 * The training forward pass of `model`: native kernels on the `tensorflow` backend; elsewhere each layer's tfjs
 * call (`model.apply` for a model with a multi-output layer).
 */
export function trainingForward(model: tf.LayersModel, opts: ForwardOptions = {}): TrainingForward {
  const { steps, clock } = programOf(model, opts);
  if (!steps) return (xs) => model.apply(xs, { training: true }) as tf.Tensor | tf.Tensor[];
  return (xs, step) => {
    // Without a step from the caller, each pass is the next one.
    clock.step = step ?? clock.step + 1;
    const feeds = Array.isArray(xs) ? xs : [xs];
    const values = new Map<number, tf.Tensor>();
    const needsGrad = new Map<number, boolean>();
    model.inputs.forEach((x, i) => {
      values.set(x.id, feeds[i]);
      needsGrad.set(x.id, false);
    });
    for (const s of steps) {
      const ins = s.inputs.map((t) => values.get(t.id) as tf.Tensor);
      const inputNeedsGrad = s.inputs.some((t) => needsGrad.get(t.id));
      values.set(s.output.id, s.run(ins, { input: inputNeedsGrad }, s.edges));
      needsGrad.set(s.output.id, inputNeedsGrad || s.trains());
    }
    const outs = model.outputs.map((t) => values.get(t.id) as tf.Tensor);
    return outs.length === 1 ? outs[0] : outs;
  };
}
