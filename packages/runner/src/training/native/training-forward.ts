// The training-mode forward pass of a tfjs-layers model, layer by layer as tfjs's own executor runs it, but
// with Conv2D, MaxPooling2D, Dense, ReLU and Dropout layers as native TensorFlow kernels with TensorFlow's gradients
// (see layer-ops.ts). Every other layer runs its own tfjs `apply`, so any model works; the weights are the
// model's own variables, so the optimizer, callbacks and checkpoints see no difference.
import * as tf from '@tensorflow/tfjs';
import { nativeOps, type NativeOps } from './exec.js';
import { hasMklMaxPool, nativeConv2d, nativeDense, nativeDropout, nativeMaxPool, nativeRelu, type GradNeeds } from './layer-ops.js';

type Layer = tf.layers.Layer;
type Symbolic = tf.SymbolicTensor;
type LayerRun = (inputs: tf.Tensor[], needs: GradNeeds) => tf.Tensor;

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
}

/** One layer call of the model: its output, its inputs, and how to compute it. */
interface Step {
  output: Symbolic;
  inputs: Symbolic[];
  trains: boolean;
  native: boolean;
  run: LayerRun;
}

const ones = (xs: number | number[] | undefined) => [xs ?? 1].flat().every((d) => d === 1);

/** A native implementation of `layer`, or null when it has none (the layer then runs its own tfjs call). */
function nativeLayer(nt: NativeOps, layer: Layer): LayerRun | null {
  const c = layer.getConfig() as LayerConfig;
  if (c.activityRegularizer) return null;
  const relu = c.activation === 'relu';
  const activationOk = relu || c.activation === 'linear';
  const weight = (i: number) => layer.weights[i].read();
  switch (layer.getClassName()) {
    case 'Conv2D': {
      if (!activationOk || c.dataFormat !== 'channelsLast' || !ones(c.dilationRate)) return null;
      const op = nativeConv2d(nt, { strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid', relu });
      return ([x], needs) => op(x as tf.Tensor4D, weight(0) as tf.Tensor4D, c.useBias ? (weight(1) as tf.Tensor1D) : null, needs);
    }
    case 'MaxPooling2D': {
      if (c.dataFormat !== 'channelsLast' || !hasMklMaxPool(nt)) return null;
      const op = nativeMaxPool(nt, { pool: c.poolSize as [number, number], strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid' });
      return ([x], needs) => (needs.input ? op(x as tf.Tensor4D) : tf.maxPool(x as tf.Tensor4D, c.poolSize as [number, number], c.strides as [number, number], c.padding as 'same' | 'valid'));
    }
    case 'Dense': {
      if (!activationOk) return null;
      const op = nativeDense(nt, relu);
      return ([x], needs) => {
        // Dense on [..., features] is one matmul over the flattened leading axes, as tfjs-layers does it.
        const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
        const y = op(flat, weight(0) as tf.Tensor2D, c.useBias ? (weight(1) as tf.Tensor1D) : null, needs);
        return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), y.shape[1]]);
      };
    }
    case 'Activation': {
      if (!relu) return null;
      const op = nativeRelu(nt);
      return ([x], needs) => (needs.input ? op(x) : tf.relu(x));
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

/** The layer calls that produce `outputs`, inputs before consumers; null if a call has several outputs. */
function topologicalSteps(nt: NativeOps, model: tf.LayersModel): Step[] | null {
  const steps: Step[] = [];
  const seen = new Set<number>();
  const inputIds = new Set(model.inputs.map((x) => x.id));
  let supported = true;
  const visit = (t: Symbolic) => {
    if (seen.has(t.id) || inputIds.has(t.id)) return;
    seen.add(t.id);
    if (t.outputTensorIndex !== undefined) supported = false; // a multi-output layer: not handled here
    t.inputs.forEach(visit);
    const layer = t.sourceLayer;
    const generic: LayerRun = (xs) => layer.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor;
    const trains = layer.trainable && layer.trainableWeights.length > 0;
    const native = nativeLayer(nt, layer);
    steps.push({ output: t, inputs: t.inputs, trains, native: native !== null, run: native ?? generic });
  };
  model.outputs.forEach(visit);
  return supported ? steps : null;
}

/** Forward pass of `model` in training mode on `xs`: the same outputs as `model.apply(xs, { training: true })`. */
export type TrainingForward = (xs: tf.Tensor | tf.Tensor[]) => tf.Tensor | tf.Tensor[];

const programs = new WeakMap<tf.LayersModel, { nt: NativeOps; steps: Step[] } | null>();

function programOf(model: tf.LayersModel): Step[] | null {
  const nt = nativeOps();
  if (!nt) return null;
  let program = programs.get(model);
  if (program === undefined || (program && program.nt !== nt)) {
    const steps = topologicalSteps(nt, model);
    program = steps ? { nt, steps } : null;
    programs.set(model, program);
  }
  return program?.steps ?? null;
}

/** Names of the layers whose training forward runs native kernels (none off the `tensorflow` backend). */
export function nativeLayerNames(model: tf.LayersModel): string[] {
  return (programOf(model) ?? []).filter((s) => s.native).map((s) => s.output.sourceLayer.name);
}

/** The training forward pass of `model`: native kernels on the `tensorflow` backend, `model.apply` elsewhere. */
export function trainingForward(model: tf.LayersModel): TrainingForward {
  const steps = programOf(model);
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
      values.set(s.output.id, s.run(ins, { input: inputNeedsGrad }));
      needsGrad.set(s.output.id, inputNeedsGrad || s.trains);
    }
    const outs = model.outputs.map((t) => values.get(t.id) as tf.Tensor);
    return outs.length === 1 ? outs[0] : outs;
  };
}
