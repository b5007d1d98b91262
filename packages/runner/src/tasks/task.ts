// The contract every task fulfils (Ludwig's output features are the model: each owns its loss, metrics and
// decoding). A task lives in its own folder under `tasks/` and owns: the head it adds to a model's trunk, the
// loss, the metrics (accumulated on the backend as one vector per batch and read once per epoch), the headline
// metric and its direction, the progress fields, the report plots and prediction decoding. The training loop,
// evaluation, early stopping's defaults, sweeps and `xp compare` ask the task; none branches on its name.
import type * as tf from '@tensorflow/tfjs';
import type { Batch, DataBundle, TargetSpec } from '@xp/data';
import type { Trunk } from '@xp/models';
import type { TObject } from '@xp/core';

/** Whether a larger or a smaller value of a metric is better. */
export type MetricMode = 'max' | 'min';

/** A model's raw output(s), as `model.apply` returns them. */
export type ModelOutputs = tf.Tensor | tf.Tensor[];

/** Predictions of one split kept for reports: decoded per example, with the targets they are judged against. */
export interface KeptPredictions {
  /** `decode` of every batch, concatenated along the first axis: e.g. class ids, or values in target units. */
  predicted: Float32Array | Int32Array;
  /** The targets (`ys`, de-standardised for values), concatenated the same way. */
  actual: Float32Array | Int32Array;
  /** Values per example in `predicted`/`actual` (1 for a class, L positions, T regression targets). */
  width: number;
  /** Class probabilities per example ([count × classes]), when the task keeps them (top-k, misclassified). */
  probabilities?: Float32Array;
}

/** One split's evaluation. */
export interface EvalResult {
  metrics: Record<string, number>;
  count: number;
  predictions?: KeptPredictions;
}

/** What a task's reports get. */
export interface ReportInput {
  history: readonly Record<string, number>[];
  test: EvalResult;
  data: Pick<DataBundle, 'batches' | 'info' | 'images' | 'preprocessing'>;
  target: TargetSpec;
  /** How many misclassified examples to show at most. */
  gridSize: number;
}

/** One plot: its file name under `plots/` and how to render it. */
export interface ReportPlot {
  file: string;
  render: () => Promise<{ png: Buffer }>;
}

/** A task built for one experiment: its options and the data's target are bound in. */
export interface BoundTask {
  /** Registry name, tagged `xp.task`. */
  name: string;
  /** The metric that says how good a run is (`val_…` when validating, else `train` or test's name), and its direction. */
  headline: { metric: string; mode: MetricMode };
  /** Epoch-log keys the progress line shows after the loss, e.g. `exact_match`. */
  progressFields: readonly string[];
  /** Adds the output head(s) to `trunk`; returns the model's outputs. */
  head(trunk: Trunk): tf.SymbolicTensor[];
  /**
   * The mean loss of one batch, a scalar (inside the optimizer's tape when `training`). Training-only terms
   * (label smoothing) apply only when `training`, so validation losses compare across recipes.
   */
  loss(out: ModelOutputs, batch: Batch, training: boolean): tf.Scalar;
  /**
   * This batch's contribution to the metrics as one float32 vector (summed over batches on the backend, so a
   * step needs no JS-side metric work); `metrics` turns the sum into named numbers once per epoch.
   */
  counts(out: ModelOutputs, batch: Batch): tf.Tensor1D;
  /** Named metrics from summed counts, the summed (per-example) loss and the example count; keys get `prefix`. */
  metrics(counts: Float32Array, lossSum: number, n: number, prefix: string): Record<string, number>;
  /** Per-example decoded predictions [B, width] (class ids or values in target units) and targets, for reports. */
  decode(out: ModelOutputs, batch: Batch): { predicted: tf.Tensor; actual: tf.Tensor; probabilities?: tf.Tensor };
  /** Plots of a finished run, beyond the learning curves every task gets. */
  reports(input: ReportInput): ReportPlot[];
  /** Extra content of `metrics/test.json` (breakdowns the logged metrics do not have). */
  testReport?(test: EvalResult): Record<string, unknown>;
  /** Describes the test result in one line for the log, e.g. `exact match 98.10 % on 10000 sequences`. */
  summary(test: EvalResult): string;
}

/** One label with its probability (a top-k entry). */
export interface ScoredLabel {
  label: string;
  probability: number;
}

/**
 * One example's prediction as a user reads it (`xp predict`'s lines, a scoring server's answers). Field names
 * are snake_case because they are written out as JSON as they are.
 */
export interface Prediction {
  /** A class name, a sequence's text (e.g. the digits `407`), a value in target units, or values by target name. */
  prediction: string | number | Record<string, number>;
  /** The model's probability of `prediction` (for a sequence, the product over its positions); absent for values. */
  probability?: number;
  /** With top-k > 1, classification: the k likeliest classes, likeliest first. */
  top_k?: ScoredLabel[];
  /** With top-k > 1, sequence: per position, the k likeliest classes, likeliest first. */
  positions?: ScoredLabel[][];
}

/**
 * How a task turns a model's raw outputs into predictions, without targets: what `xp predict`, `xp serve` and
 * the task's own `decode` share. Built from the data's target alone (saved with the model), so a model can be
 * used without its experiment file.
 */
export interface PredictionDecoder {
  /** Per-example decoded values [B, width] (class ids, or values in target units) and class probabilities, when the task has them. */
  decode(out: ModelOutputs): { predicted: tf.Tensor; probabilities?: tf.Tensor };
  /**
   * One example as the user reads it: `predicted` is its row of `decode`'s values, `probabilities` its row of
   * probabilities (flattened); `topK` > 1 adds the k likeliest labels.
   */
  read(predicted: ArrayLike<number>, probabilities: ArrayLike<number> | undefined, topK: number): Prediction;
}

/** One task type: the registry entry. `C` is the static type of its options (the `task:` mapping). */
export interface TaskType<C extends { type: string } = { type: string }> {
  /** Options of `task:` (its `type` is added by the registry). */
  schema: TObject;
  /** The target kinds it can learn. */
  accepts: ReadonlyArray<TargetSpec['kind']>;
  /** The headline metric and its direction before any data is read (sweep and early-stopping defaults). */
  headline(config: C, validates: boolean): { metric: string; mode: MetricMode };
  /** The decoder of predictions for `target` (needs no task options); a task without one cannot be used by `xp predict`. */
  decoder?(target: TargetSpec): PredictionDecoder;
  /** Binds the options to the data's target. */
  bind(config: C, target: TargetSpec, ctx: { validates: boolean; labelSmoothing: number }): BoundTask;
}
