// A trained model, ready to predict: its tfjs model, the preprocessing it was trained with, and its task's
// decoder. Inputs are preprocessed exactly as in training (images decoded by TensorFlow's own decoders,
// converted to the model's channels, fitted to its size and normalised; table rows encoded by the data
// package's `encodeRows`), run in batches, and decoded by the task into class names, digit strings or values.
// `xp predict`, `xp serve` and `xp evaluate` all build on this.
import type * as tf from '@tensorflow/tfjs';
import type { TargetSpec } from '@xp/data';
import type { Prediction } from '../tasks/task.js';
import { ModelInputError } from './errors.js';
import type { ModelPreprocessing } from './model-files.js';
import type { ResolvedModel, ResolveOptions } from './resolve-model.js';

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
  void ref;
  void opts;
  throw new ModelInputError('model', 'loadPredictor is not implemented yet');
}
