// The state a run needs to continue after an interruption, written at every epoch end: model weights,
// optimizer slots (Adam's moments and step count), learning rate, the history so far and each callback's
// state. Data batches need no state of their own: shuffling and augmentation are seeded by (seed, epoch,
// batch), so epoch k after a resume sees the very batches it would have seen.
//
// Layout of the folder: model.json + weights.bin (saveModel), optimizer.bin + the specs in state.json,
// callbacks.bin for callback-owned tensors (early stopping's best weights).
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Callback, CallbackState, Logs } from '../callbacks/callback.js';
import type { CallbackList } from '../callbacks/callback-list.js';
import { getLearningRate } from '../training/learning-rate.js';
import { saveModel } from './model-artifact.js';

/** A tensor with the name an optimizer gives its slot. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** state.json of a resume point. */
export interface ResumeStateFile {
  version: 1;
  /** Epochs fully trained; the resumed run starts at this 0-based epoch. */
  completedEpochs: number;
  learningRate: number;
  history: Logs[];
  optimizer: { specs: tf.io.WeightsManifestEntry[] };
  callbacks: Record<string, { data: Record<string, unknown>; weights?: tf.io.WeightsManifestEntry[] }>;
}

/** A loaded resume point; the caller owns the tensors. */
export interface ResumeState {
  completedEpochs: number;
  learningRate: number;
  history: Logs[];
  modelWeights: tf.Tensor[];
  optimizerWeights: NamedTensor[];
  callbackStates: Record<string, CallbackState>;
}

/** The callback that writes the resume point; put it last so every other callback has updated its state. */
export class ResumePoint implements Callback {
  readonly name = 'resume_point';
  private history: Logs[];

  constructor(
    private readonly dir: string,
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly callbacks: () => CallbackList,
    previousHistory: Logs[] = [],
  ) {
    this.history = [...previousHistory];
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    this.history.push({ ...logs });
    await writeResumeState(this.dir, {
      model: this.model,
      optimizer: this.optimizer,
      completedEpochs: epoch + 1,
      history: this.history,
      callbackStates: this.callbacks().states(),
    });
  }
}

/** Writes a resume point to `dir`, replacing the previous one only once the new one is complete. */
export async function writeResumeState(
  dir: string,
  s: { model: tf.LayersModel; optimizer: tf.Optimizer; completedEpochs: number; history: Logs[]; callbackStates: Record<string, CallbackState> },
): Promise<void> {
  const tmp = `${dir}.tmp`;
  await fs.rm(tmp, { recursive: true, force: true });
  await saveModel(s.model, tmp);
  const opt = await tf.io.encodeWeights(await s.optimizer.getWeights());
  await fs.writeFile(path.join(tmp, 'optimizer.bin'), Buffer.from(opt.data as ArrayBuffer));
  const callbacks: ResumeStateFile['callbacks'] = {};
  const cbTensors: NamedTensor[] = [];
  for (const [key, st] of Object.entries(s.callbackStates)) {
    const named = (st.weights ?? []).map((tensor, i) => ({ name: `${key}/${i}`, tensor }));
    cbTensors.push(...named);
    callbacks[key] = { data: st.data };
    if (st.weights) callbacks[key].weights = [];
  }
  const cb = await tf.io.encodeWeights(cbTensors);
  await fs.writeFile(path.join(tmp, 'callbacks.bin'), Buffer.from(cb.data as ArrayBuffer));
  for (const spec of cb.specs) callbacks[spec.name.slice(0, spec.name.lastIndexOf('/'))].weights!.push(spec);
  const file: ResumeStateFile = {
    version: 1,
    completedEpochs: s.completedEpochs,
    learningRate: getLearningRate(s.optimizer),
    history: s.history,
    optimizer: { specs: opt.specs },
    callbacks,
  };
  await fs.writeFile(path.join(tmp, 'state.json'), JSON.stringify(file));
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(tmp, dir);
}

/** Reads a resume point written by {@link writeResumeState}. */
export async function readResumeState(dir: string): Promise<ResumeState> {
  const file = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as ResumeStateFile;
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
  const modelSpecs = modelJson.weightsManifest[0].weights;
  const modelMap = tf.io.decodeWeights(toArrayBuffer(await fs.readFile(path.join(dir, 'weights.bin'))), modelSpecs);
  const optMap = tf.io.decodeWeights(toArrayBuffer(await fs.readFile(path.join(dir, 'optimizer.bin'))), file.optimizer.specs);
  const cbSpecs = Object.values(file.callbacks).flatMap((c) => c.weights ?? []);
  const cbMap = tf.io.decodeWeights(toArrayBuffer(await fs.readFile(path.join(dir, 'callbacks.bin'))), cbSpecs);
  return {
    completedEpochs: file.completedEpochs,
    learningRate: file.learningRate,
    history: file.history,
    // In saved order, which is the model's weight order (names can differ between processes).
    modelWeights: modelSpecs.map((s) => modelMap[s.name]),
    optimizerWeights: file.optimizer.specs.map((s) => ({ name: s.name, tensor: optMap[s.name] })),
    callbackStates: Object.fromEntries(
      Object.entries(file.callbacks).map(([key, c]) => [key, { data: c.data, weights: c.weights?.map((s) => cbMap[s.name]) }]),
    ),
  };
}

/** Puts a resume point's weights, optimizer slots and learning rate into a freshly built model and optimizer. */
export async function applyResumeState(state: ResumeState, model: tf.LayersModel, optimizer: tf.Optimizer, setLr: (lr: number) => void): Promise<void> {
  model.setWeights(state.modelWeights);
  tf.dispose(state.modelWeights);
  // Adam & co. create their slot variables from these (and copy them), in the order of the trained variables.
  await optimizer.setWeights(state.optimizerWeights);
  tf.dispose(state.optimizerWeights.map((w) => w.tensor));
  setLr(state.learningRate);
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
