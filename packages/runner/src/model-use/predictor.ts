// A trained model, ready to predict: its tfjs model, the preprocessing it was trained with, and its task's
// decoder. Inputs are preprocessed exactly as in training (images decoded by TensorFlow's own decoders,
// converted to the model's channels, fitted to its size and normalised; table rows encoded by the data
// package's `encodeRows`), run in batches, and decoded by the task into class names, digit strings or values.
// `xp predict`, `xp serve` and `xp evaluate` all build on this.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeToSpec, EncodeError, encodeRows, loadDecoders, type ImageSpec, type TablePreprocessing, type TargetSpec } from '@xp/data';
import { loadBackend } from '../backend/native-backend.js';
import { taskTypes } from '../tasks/registry.js';
import type { Prediction } from '../tasks/task.js';
import { ModelInputError } from './errors.js';
import { readPreprocessing, type ImagePreprocessing, type ModelPreprocessing } from './model-files.js';
import { resolveModel, type ResolvedModel, type ResolveOptions } from './resolve-model.js';

export type { Prediction, ScoredLabel } from '../tasks/task.js';

/** What the model takes. */
export type ModelInput =
  /** Images, fitted to [height, width, channels]. */
  | { kind: 'image'; shape: [number, number, number] }
  /** Table rows with these columns (raw names, before encoding), encoded into `shape[0]` numbers. */
  | { kind: 'table'; columns: string[]; shape: [number] };

/** What a loaded model is. */
export interface ModelInfo {
  /** The reference it was loaded from. */
  ref: string;
  /** The local folder. */
  dir: string;
  /** The MLflow 3 logged model id, when the model is one. */
  modelId?: string;
  /** The run that produced it, when known. */
  runId?: string;
  /** The task's registry name. */
  task: string;
  input: ModelInput;
  /** The data's target: class names, sequence positions and blank class, or value names. */
  target: TargetSpec;
  /** Class names a prediction can take (classification and sequence); undefined for values. */
  classes?: string[];
}

/** Options of one prediction call. */
export interface PredictOptions {
  /** Labels per example (per position for a sequence) with their probabilities; 1 (default) gives only the prediction's. */
  topK?: number;
  /** Examples per forward pass (default 64); larger inputs are split. */
  batchSize?: number;
}

/** A model ready to predict. Calls are independent; `dispose` frees the model's tensors. */
export interface Predictor {
  readonly info: ModelInfo;
  /** The preprocessing the model was trained with. */
  readonly preprocessing: ModelPreprocessing;
  /** The tfjs model (for callers that run it themselves, e.g. `xp evaluate` on a dataset's batches). */
  readonly model: tf.LayersModel;
  /**
   * Predicts encoded image files (PNG, JPEG, BMP, GIF; any size and colour). Throws ModelInputError (kind
   * `image`, `index` = the offending image) for bytes TensorFlow cannot decode, or when the model takes rows.
   */
  predictImages(images: readonly Uint8Array[], opts?: PredictOptions): Promise<Prediction[]>;
  /**
   * Predicts table rows given as objects keyed by column name (CSV cells as text, JSON values as they are).
   * Throws ModelInputError (kind `rows`, `index` = the offending row) for a missing column, a value the
   * encoders refuse, or (with `unknownColumns: 'error'`) a column the model does not know.
   */
  predictRows(rows: readonly Readonly<Record<string, unknown>>[], opts?: PredictOptions & { unknownColumns?: 'ignore' | 'error' }): Promise<Prediction[]>;
  /** Predicts model-ready input [B, …input shape] (preprocessed, as `input_example.json` holds it). Does not dispose `xs`. */
  predictTensor(xs: tf.Tensor, opts?: PredictOptions): Promise<Prediction[]>;
  /** Images as the model's input [B,H,W,C] (decoded, fitted, normalised); the caller disposes it. */
  preprocessImages(images: readonly Uint8Array[]): tf.Tensor4D;
  /** Rows as the model's input [B,F] (encoded); the caller disposes it. */
  preprocessRows(rows: readonly Readonly<Record<string, unknown>>[], opts?: { unknownColumns?: 'ignore' | 'error' }): tf.Tensor2D;
  /** Frees the model's weights. The predictor is unusable afterwards. */
  dispose(): void;
}

/** Options of {@link loadPredictor}: how to resolve a reference, plus the backend. */
export interface LoadPredictorOptions extends ResolveOptions {
  /** `tensorflow` (default, native) or `cpu` (pure JS, tests of pure logic only). */
  backend?: 'tensorflow' | 'cpu';
}

/**
 * Loads a model for prediction from a reference (see model-ref.ts), a resolved model, or a local folder.
 * Throws ModelInputError for a reference that names nothing or a folder that is not an xp model.
 */
export async function loadPredictor(ref: string | ResolvedModel, opts: LoadPredictorOptions = {}): Promise<Predictor> {
  const resolved = typeof ref === 'string' ? await resolveModel(ref, opts) : ref;
  const pre = await readPreprocessing(resolved.dir);
  const want = opts.backend ?? 'tensorflow';
  if (tf.getBackend() !== want) await loadBackend(want);
  const taskType = taskTypes[pre.task];
  if (!taskType?.decoder) throw new ModelInputError('model', `${resolved.dir}: the model's task '${pre.task}' has no prediction decoder in this xp (known: ${Object.keys(taskTypes).join(', ')})`);
  const decoder = taskType.decoder(pre.target);
  const model = await loadModelFiles(resolved.dir);
  const input = modelInput(pre);
  const expected = model.inputs[0].shape.slice(1);
  if (expected.some((d, i) => d !== null && d !== input.shape[i])) {
    model.dispose();
    throw new ModelInputError('model', `${resolved.dir}: model.json takes input [${expected.join(', ')}] but preprocessing.json makes [${input.shape.join(', ')}]`);
  }
  const decoders = pre.image ? await loadDecoders() : undefined;
  const info: ModelInfo = {
    ref: resolved.ref,
    dir: resolved.dir,
    modelId: resolved.modelId,
    runId: resolved.runId,
    task: pre.task,
    input,
    target: pre.target,
    ...(pre.target.kind === 'values' ? {} : { classes: pre.target.classes }),
  };

  const preprocessImages = (images: readonly Uint8Array[]): tf.Tensor4D => {
    const spec = pre.image;
    if (!spec || !decoders) throw new ModelInputError('input', `this model takes table rows (columns: ${input.kind === 'table' ? input.columns.join(', ') : ''}), not images`);
    const fit: ImageSpec = { height: spec.height, width: spec.width, channels: spec.channels, resize: spec.resize, align: spec.align, background: spec.background };
    const decoded: tf.Tensor3D[] = [];
    try {
      images.forEach((bytes, i) => {
        try {
          decoded.push(decodeToSpec(decoders, bytes, fit));
        } catch (e) {
          throw new ModelInputError('image', `not a readable PNG, JPEG, BMP or GIF image (${firstLine(e)})`, { index: i, cause: e });
        }
      });
      return tf.tidy(() => normalise(tf.stack(decoded) as tf.Tensor4D, spec));
    } finally {
      tf.dispose(decoded);
    }
  };

  const preprocessRows = (rows: readonly Readonly<Record<string, unknown>>[], o: { unknownColumns?: 'ignore' | 'error' } = {}): tf.Tensor2D => {
    const table = pre.table;
    if (!table) throw new ModelInputError('input', `this model takes images of ${input.shape.join('×')}, not table rows`);
    checkColumns(rows, table, o.unknownColumns ?? 'ignore');
    let encoded: Float32Array;
    try {
      encoded = encodeRows(table, rows);
    } catch (e) {
      if (e instanceof EncodeError) throw new ModelInputError('rows', e.message.replace(/^row \d+: /, ''), { index: e.row, cause: e });
      throw e;
    }
    return tf.tensor2d(encoded, [rows.length, table.encoded.length], 'float32');
  };

  const predictTensor = async (xs: tf.Tensor, o: PredictOptions = {}): Promise<Prediction[]> => {
    const topK = Math.max(1, Math.floor(o.topK ?? 1));
    const batchSize = Math.max(1, Math.floor(o.batchSize ?? DEFAULT_BATCH));
    const n = xs.shape[0];
    const out: Prediction[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const { predicted, probabilities } = tf.tidy(() => {
        const chunk = b === n ? xs : xs.slice(start, b);
        return decoder.decode(model.apply(chunk, { training: false }) as tf.Tensor | tf.Tensor[]);
      });
      try {
        const values = await predicted.data();
        const probs = probabilities ? await probabilities.data() : undefined;
        const w = values.length / b;
        const pw = probs ? probs.length / b : 0;
        for (let i = 0; i < b; i++) out.push(decoder.read(values.subarray(i * w, (i + 1) * w), probs?.subarray(i * pw, (i + 1) * pw), topK));
      } finally {
        tf.dispose([predicted, probabilities ?? []].flat());
      }
    }
    return out;
  };

  // Inputs are preprocessed one batch at a time, so a large call holds one batch of pixels, not all of them.
  const inBatches = async <T>(items: readonly T[], o: PredictOptions, prep: (chunk: readonly T[]) => tf.Tensor): Promise<Prediction[]> => {
    const batchSize = Math.max(1, Math.floor(o.batchSize ?? DEFAULT_BATCH));
    const out: Prediction[] = [];
    for (let start = 0; start < items.length; start += batchSize) {
      let xs: tf.Tensor;
      try {
        xs = prep(items.slice(start, start + batchSize));
      } catch (e) {
        if (e instanceof ModelInputError && e.index !== undefined) throw new ModelInputError(e.kind, e.message, { index: e.index + start, cause: e.cause });
        throw e;
      }
      try {
        out.push(...(await predictTensor(xs, o)));
      } finally {
        xs.dispose();
      }
    }
    return out;
  };

  return {
    info,
    preprocessing: pre,
    model,
    predictImages: (images, o = {}) => inBatches(images, o, preprocessImages),
    predictRows: (rows, o = {}) => inBatches(rows, o, (chunk) => preprocessRows(chunk, o)),
    predictTensor,
    preprocessImages,
    preprocessRows,
    dispose: () => model.dispose(),
  };
}

const DEFAULT_BATCH = 64;

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The model's input as its preprocessing describes it. */
function modelInput(pre: ModelPreprocessing): ModelInput {
  if (pre.image) return { kind: 'image', shape: [pre.image.height, pre.image.width, pre.image.channels] };
  if (pre.table) return { kind: 'table', columns: pre.table.columns.map((c) => c.name), shape: [pre.table.encoded.length] };
  throw new ModelInputError('model', `preprocessing.json: input kind '${pre.input.kind}' is neither images nor a table`);
}

/** (x − mean) / std per channel, as the datasets normalise. */
function normalise(x: tf.Tensor4D, spec: ImagePreprocessing): tf.Tensor4D {
  const per = (v: number[]) => (v.length === 1 ? v[0] : tf.tensor1d(v.slice(0, spec.channels)));
  return tf.div(tf.sub(x, per(spec.mean)), per(spec.std));
}

/** Every row has every column the model reads; with `unknown: 'error'`, no other column (the target's is allowed). */
function checkColumns(rows: readonly Readonly<Record<string, unknown>>[], table: TablePreprocessing, unknown: 'ignore' | 'error'): void {
  const needed = table.columns.map((c) => c.name);
  const known = new Set([...needed, table.target.name]);
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new ModelInputError('rows', `is not an object of column values`, { index: i });
    const missing = needed.filter((c) => !(c in row));
    if (missing.length) {
      throw new ModelInputError('rows', `has no column ${missing.map((c) => `'${c}'`).join(', ')}; the model reads ${needed.map((c) => `'${c}'`).join(', ')} (a missing value may be given as null or an empty cell)`, { index: i });
    }
    if (unknown === 'error') {
      const extra = Object.keys(row).filter((c) => !known.has(c));
      if (extra.length) throw new ModelInputError('rows', `has unknown column ${extra.map((c) => `'${c}'`).join(', ')}; the model reads ${needed.map((c) => `'${c}'`).join(', ')}`, { index: i });
    }
  });
}

/** Reads a tfjs layers model (model.json + weight files) from a folder; works on every backend. */
async function loadModelFiles(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const parts: Buffer[] = [];
  for (const group of json.weightsManifest) for (const p of group.paths) parts.push(await fs.readFile(path.join(dir, p)));
  const weightData = Buffer.concat(parts);
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
      }),
    );
  } catch (e) {
    throw new ModelInputError('model', `${dir}: model.json and its weights could not be loaded as a tfjs layers model (${firstLine(e)})`, { cause: e });
  }
}
