// The contract every dataset type fulfils. A type lives in its own folder under `datasets/` and owns its whole
// life: the `data:` schema, the checks `xp validate` runs (config-only and file-reading), the shape the model is
// fed and the task predicts, loading with preprocessing fitted on the training split only, and the digest
// MLflow's dataset input shows. Nothing outside the folder names a field of its config.
import type * as tf from '@tensorflow/tfjs';
import type { AugmentConfig, CheckIssue, EvalVariantConfig, TObject } from '@xp/core';
import type { DataFileIssue } from '../errors.js';

/** One batch of any dataset. The consumer disposes every tensor in it ({@link disposeBatch}). */
export interface Batch {
  /** Model input: images [B,H,W,C] or encoded table rows [B,F], float32, already normalised. */
  xs: tf.Tensor;
  /** Targets, read by the task: class ids int32 [B], class per position int32 [B,L], or float32 values [B,T]. */
  ys: tf.Tensor;
  /** Further per-example tensors a task reads by name (e.g. `lengths` int32 [B] of digit sequences). */
  extras?: Readonly<Record<string, tf.Tensor>>;
}

/** What the model is fed. */
export type InputSpec =
  | { kind: 'image'; shape: [number, number, number] }
  | { kind: 'vector'; shape: [number]; columns: string[] };

/** What the task predicts, as the data defines it. */
export type TargetSpec =
  /** One class per example; `trainCounts` (training examples per class, in class order) lets a task balance them. */
  | { kind: 'class'; classes: string[]; trainCounts?: number[] }
  /** One class per position of a sequence, `blank` marking positions past its end. */
  | { kind: 'sequence'; classes: string[]; positions: number; blank: number }
  /** Real values (standardised in `ys`; `mean`/`std` undo it). */
  | { kind: 'values'; names: string[]; mean: number[]; std: number[] };

/** The task a target kind is trained with when the experiment names none. */
export const DEFAULT_TASK: Readonly<Record<TargetSpec['kind'], string>> = { class: 'classification', sequence: 'sequence', values: 'regression' };

/** Size and fingerprint of one split. */
export interface SplitInfo {
  count: number;
  digest: string;
  /** Extra numbers for the dataset profile (e.g. the MNIST digits a split draws from). */
  profile?: Record<string, unknown>;
}

/** What a prepared dataset holds, in the shape MLflow's dataset input wants plus what the model and task need. */
export interface DatasetInfo {
  /** The dataset type, e.g. `mnist_sequences`. */
  name: string;
  /** ≤ 32 hex chars over every split and the preprocessing (MLflow caps dataset digests at 36). */
  digest: string;
  /** Where the data came from (a path, a package), shown as the dataset's source. */
  source: string;
  profile: Record<string, unknown>;
  input: InputSpec;
  target: TargetSpec;
  splits: Record<string, SplitInfo>;
  /** Names accepted by `batches` besides train/val/test (perturbed copies of the test split). */
  variants: string[];
  /** Files skipped because `on_bad_file: skip` (0 when none). */
  skipped: number;
}

/** The input pipeline of one experiment, whatever its dataset type. */
export interface DataBundle {
  readonly info: DatasetInfo;
  /**
   * Batches of `split` (`train`, `val`, `test` or a variant) for `epoch`. Only `train` is shuffled (seeded by
   * epoch) and augmented. Lazy: each batch is made when iterated.
   */
  batches(split: string, batchSize: number, epoch?: number): Iterable<Batch>;
  /** Examples in `split`. */
  count(split: string): number;
  /**
   * The fitted preprocessing as plain JSON (normalisation, image size, column encoders, class names): saved with
   * the model so that predicting needs no experiment file.
   */
  preprocessing(): Record<string, unknown>;
  /** Raw (un-normalised, [0,1]) images of `split` rows, for plots; undefined for non-image data. */
  images?(split: string, rows: readonly number[]): tf.Tensor4D;
  /** Frees resident tensors. The bundle is unusable afterwards. */
  dispose(): void;
}

/** What {@link DatasetType.prepare} gets besides its config. */
export interface PrepareContext {
  seed: number;
  augment: readonly AugmentConfig[];
  variants: readonly EvalVariantConfig[];
  /** Directory relative paths in the config are resolved against (the experiment file's). */
  baseDir: string;
  /** What `preload` (or a warm sweep process) started reading; the type decides what it can reuse. */
  preloaded?: Promise<unknown>;
  /** What this type's `inspect` kept (its `keep`) in the same run, e.g. images it already decoded. */
  inspected?: unknown;
  log?: (msg: string) => void;
}

/** The context of {@link DatasetType.inspect}. */
export interface InspectContext {
  /** Directory relative paths in the config are resolved against (the experiment file's). */
  baseDir: string;
  /**
   * Given by `xp run` (not by `xp validate`): what the check read and `prepare` would read again can be handed
   * over here; it arrives as `ctx.inspected`.
   */
  keep?: (inspected: unknown) => void;
}

/** A problem with the data files found by {@link DatasetType.inspect}: the file, and its row or line when known. */
export type DataIssue = DataFileIssue;

/** One dataset type: the registry entry. `C` is the static type of its `data:` section. */
export interface DatasetType<C extends { type: string } = { type: string }> {
  /** The JSON Schema of the `data:` section (its `type` is added by the registry). */
  schema: TObject;
  /** Cross-field rules on the config alone; pointers are absolute (`/data/…`). */
  checks?(config: C, experiment: { augment: readonly AugmentConfig[] }): CheckIssue[];
  /** The input shape when the config alone determines it (for model checks at validate time), else undefined. */
  inputShape?(config: C): InputSpec['shape'] | undefined;
  /** The target when the config alone determines it (so `xp validate` can build the model with its head), else undefined. */
  target?(config: C): TargetSpec | undefined;
  /** Starts reading what `prepare` needs while TensorFlow loads; its promise is passed as `ctx.preloaded`. */
  preload?(config: C): Promise<unknown>;
  /** Reads the data files (without training) and returns every problem; `xp validate` and `xp run` both call it. */
  inspect?(config: C, ctx: InspectContext): Promise<DataIssue[]>;
  /** Loads, splits and fits the preprocessing on the training split only; data problems throw a DataFileError (exit 2). */
  prepare(config: C, ctx: PrepareContext): Promise<DataBundle>;
}

/** Disposes every tensor of a batch. */
export function disposeBatch(batch: Batch): void {
  batch.xs.dispose();
  batch.ys.dispose();
  for (const t of Object.values(batch.extras ?? {})) t.dispose();
}
