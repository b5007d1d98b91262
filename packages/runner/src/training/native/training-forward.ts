// The training-mode forward pass of a tfjs-layers model, layer by layer as tfjs's own executor runs it, but
// with Conv2D, MaxPooling2D, Dense, ReLU and Dropout layers as native TensorFlow kernels with TensorFlow's
// gradients (see layer-ops.ts), a convolution followed by max pooling computed as one op that pools before
// the bias and ReLU, and one followed by a ReLU layer as one op. Every other layer runs its own tfjs `apply`, so
// any model works; the weights are the model's own variables, so the optimizer, callbacks and checkpoints see no
// difference.
// Under mixed_bfloat16 the convolution and dense steps compute in bf16 inside their native ops (layer-ops.ts says
// why casts sit at each op's boundary). A step's output stays bf16 only along an edge to the one step that reads
// it, when both are such ops (e.g. conv→pool → conv→pool, or through native Flatten/Reshape/Permute layers to a
// dense); everything else that leaves a step is float32, so the layers that run their own tfjs call, the loss
// (softmax cross-entropy) and the optimizer run in float32, as under Keras's mixed policy.
import * as tf from '@tensorflow/tfjs';
import type { Precision } from '@xp/core';
import { allowBf16Outputs } from './bfloat16.js';
import { nativeOps, type NativeOps } from './exec.js';
import {
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
  noiseShape?: number[] | null;
  seed?: number | null;
  targetShape?: number[];
  dims?: number[];
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
  /** Whether the step has weights to train now (read at every call: layers can be frozen and unfrozen between epochs). */
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

/** The convolution spec of a Conv2D layer with a native implementation, else null. */
function convSpec(layer: Layer): Conv2dSpec | null {
  const c = config(layer);
  if (layer.getClassName() !== 'Conv2D' || c.activityRegularizer || c.dataFormat !== 'channelsLast' || !ones(c.dilationRate)) return null;
  if (c.activation !== 'relu' && c.activation !== 'linear') return null;
  return { strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid', relu: c.activation === 'relu' };
}

/** The pooling spec of a MaxPooling2D layer with a native implementation, else null. */
function poolSpec(nt: NativeOps, layer: Layer): MaxPoolSpec | null {
  const c = config(layer);
  if (layer.getClassName() !== 'MaxPooling2D' || c.dataFormat !== 'channelsLast' || !hasMklMaxPool(nt)) return null;
  return { pool: c.poolSize as [number, number], strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid' };
}

const isReluActivation = (layer: Layer) => layer.getClassName() === 'Activation' && config(layer).activation === 'relu';

/** A native implementation of `layer`, or null when it has none (the layer then runs its own tfjs call). */
function nativeLayer(nt: NativeOps, layer: Layer, compute: ComputeDtype): LayerRun | null {
  const c = config(layer);
  if (c.activityRegularizer) return null;
  const bias = () => (c.useBias ? (weight(layer, 1) as tf.Tensor1D) : null);
  const conv = convSpec(layer);
  if (conv) {
    const op = nativeConv2d(nt, conv, compute);
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
  switch (layer.getClassName()) {
    case 'Dense': {
      if (c.activation !== 'relu' && c.activation !== 'linear') return null;
      const op = nativeDense(nt, c.activation === 'relu', compute);
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
    // Layout layers run natively only under bf16, where they carry bf16 edges (see linkBf16Edges).
    case 'Flatten':
    case 'Reshape': {
      if (compute !== 'bfloat16' || (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast')) return null;
      const op = nativeReshape(nt);
      const target = layer.getClassName() === 'Flatten' ? [-1] : (c.targetShape as number[]);
      return ([x], _needs, edges) => op(x, [x.shape[0], ...target], edges);
    }
    case 'Permute': {
      if (compute !== 'bfloat16') return null;
      const op = nativeTranspose(nt, [0, ...(c.dims as number[])]);
      return ([x], _needs, edges) => op(x, edges);
    }
    case 'Dropout': {
      // A seeded tfjs dropout layer reuses its mask; a noise shape broadcasts it: both keep their tfjs call.
      const rate = c.rate ?? 0;
      if (c.noiseShape != null || c.seed != null || !(rate > 0 && rate < 1)) return null;
      const op = nativeDropout(nt, rate);
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

const trains = (layer: Layer) => layer.trainable && layer.trainableWeights.length > 0;

/**
 * Conv2D [→ Activation(relu)] [→ MaxPooling2D] starting at `conv`, at least two of them, when each intermediate
 * result feeds only the next layer (so nothing else needs the unpooled or pre-ReLU activations): the nodes and
 * the fused step, else null.
 */
function convPoolChain(nt: NativeOps, compute: ComputeDtype, conv: Node, consumers: Map<number, Node[]>, outputs: Set<number>): { fused: Node[]; step: Step } | null {
  const spec = convSpec(conv.layer);
  if (!spec) return null;
  const only = (n: Node) => (outputs.has(n.output.id) ? undefined : consumers.get(n.output.id)?.length === 1 ? consumers.get(n.output.id)?.[0] : undefined);
  let next = only(conv);
  const chain = [conv];
  let relu = spec.relu;
  if (next && !relu && isReluActivation(next.layer)) {
    chain.push(next);
    relu = true;
    next = only(next);
  }
  const pool = next ? poolSpec(nt, next.layer) : null;
  if (next && pool) chain.push(next);
  else if (chain.length === 1) return null; // a lone convolution: nativeLayer's
  const op = pool ? nativeConvPool(nt, { ...spec, relu }, pool, compute) : nativeConv2d(nt, { ...spec, relu }, compute);
  const layer = conv.layer;
  const bias = config(layer).useBias;
  const run: LayerRun = ([x], needs, edges) => op(x as tf.Tensor4D, weight(layer, 0) as tf.Tensor4D, bias ? (weight(layer, 1) as tf.Tensor1D) : null, needs, edges);
  const last = chain[chain.length - 1];
  const step: Step = { output: last.output, inputs: conv.inputs, trains: () => trains(layer), nativeLayers: chain.map((n) => n.layer.name), bf16Capable: true, edges: {}, run };
  return { fused: chain, step };
}

/** The steps of the forward pass: fused chains, native layers, and tfjs calls for the rest. */
function plan(nt: NativeOps, model: tf.LayersModel, compute: ComputeDtype): Step[] | null {
  const nodes = topologicalNodes(model);
  if (!nodes) return null;
  const consumers = new Map<number, Node[]>();
  for (const n of nodes) for (const x of n.inputs) consumers.set(x.id, [...(consumers.get(x.id) ?? []), n]);
  const outputs = new Set(model.outputs.map((t) => t.id));
  const done = new Set<Node>();
  const steps: Step[] = [];
  for (const n of nodes) {
    if (done.has(n)) continue;
    const chain = convPoolChain(nt, compute, n, consumers, outputs);
    if (chain) {
      chain.fused.forEach((f) => done.add(f));
      steps.push(chain.step);
      continue;
    }
    const native = nativeLayer(nt, n.layer, compute);
    // A frozen batch norm normalises with its moving statistics and leaves them alone, as Keras's does.
    const isBatchNorm = n.layer.getClassName() === 'BatchNormalization';
    const generic: LayerRun = (xs) => n.layer.apply(xs.length === 1 ? xs[0] : xs, { training: n.layer.trainable || !isBatchNorm }) as tf.Tensor;
    steps.push({
      output: n.output, inputs: n.inputs, trains: () => trains(n.layer), nativeLayers: native ? [n.layer.name] : [], bf16Capable: Boolean(native) && takesBf16(n),
      edges: {}, run: native ?? generic,
    });
  }
  if (compute === 'bfloat16') linkBf16Edges(steps, outputs);
  return steps;
}

/** Layers whose native op can take and give bf16 (for a Dense or layout layer, only its bf16 variant is native). */
const takesBf16 = (n: Node) => convSpec(n.layer) !== null || ['Dense', 'Flatten', 'Reshape', 'Permute'].includes(n.layer.getClassName());

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
export type TrainingForward = (xs: tf.Tensor | tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** How the training forward computes. */
export interface ForwardOptions {
  /**
   * float32 (the default), or mixed_bfloat16: bf16 convolutions and matmuls. The caller resolves it first
   * (precision.ts's resolvePrecision: bf16 only where the CPU and TensorFlow run it); off the native backend
   * there are no native ops, so it has no effect.
   */
  precision?: Precision;
}

const programs = new WeakMap<tf.LayersModel, Map<ComputeDtype, { nt: NativeOps; steps: Step[] } | null>>();

function programOf(model: tf.LayersModel, precision: Precision = 'float32'): Step[] | null {
  const nt = nativeOps();
  if (!nt) return null;
  const compute: ComputeDtype = precision === 'mixed_bfloat16' ? 'bfloat16' : 'float32';
  const byDtype = programs.get(model) ?? new Map<ComputeDtype, { nt: NativeOps; steps: Step[] } | null>();
  programs.set(model, byDtype);
  let program = byDtype.get(compute);
  if (program === undefined || (program && program.nt !== nt)) {
    if (compute === 'bfloat16') allowBf16Outputs(nt.backend);
    const steps = plan(nt, model, compute);
    program = steps ? { nt, steps } : null;
    byDtype.set(compute, program);
  }
  return program?.steps ?? null;
}

/** The bf16 edges of the training forward under `precision` as 'producer→consumer' layer names (see linkBf16Edges). */
export function bf16EdgeNames(model: tf.LayersModel, opts: ForwardOptions = {}): string[] {
  const steps = programOf(model, opts.precision) ?? [];
  return steps.filter((s) => s.edges.output).map((s) => {
    const next = steps.find((t) => t.edges.input && t.inputs[0].id === s.output.id);
    return `${s.nativeLayers.at(-1)}→${next?.nativeLayers[0]}`;
  });
}

/** Names of the layers whose training forward runs native kernels (none off the `tensorflow` backend). */
export function nativeLayerNames(model: tf.LayersModel, opts: ForwardOptions = {}): string[] {
  return (programOf(model, opts.precision) ?? []).flatMap((s) => s.nativeLayers);
}

/** The training forward pass of `model`: native kernels on the `tensorflow` backend, `model.apply` elsewhere. */
export function trainingForward(model: tf.LayersModel, opts: ForwardOptions = {}): TrainingForward {
  const steps = programOf(model, opts.precision);
  if (!steps) return (xs) => model.apply(xs, { training: true }) as tf.Tensor | tf.Tensor[];
  return (xs) => {
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
