// The contract every architecture fulfils. A model builds a *trunk* from its options and the data's input
// shape; the task then adds its output head (N classes, regression values, or one head per sequence position),
// so the same architecture serves every task and no model names a task.
import type * as tf from '@tensorflow/tfjs';
import type { CheckIssue, TObject } from '@xp/core';

export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;
export type Regularizer = ReturnType<typeof tf.regularizers.l2>;

/**
 * How a model would like sequence heads built, from its own options (`heads`, `head_units`, …). Only the
 * sequence task reads it; other tasks put their head on {@link Trunk.features}.
 */
export interface HeadStyle {
  /** `stacked`: one Dense(L×K) reshaped; `per_position`: one head per position; `shared`: slot split of the feature map. */
  kind: 'stacked' | 'per_position' | 'shared';
  /** Hidden units of each head (per_position) or of the shared slot layer (shared); 0 = none. */
  hiddenUnits: number;
  dropout: number;
  /** Add a (positions+1)-way length head. */
  lengthHead: boolean;
}

/** A model without its head: the task adds its head (the runner joins them with `tf.model`). */
export interface Trunk {
  /** Registry name, e.g. `baseline-cnn`; the finished model is named after it. */
  type: string;
  input: tf.SymbolicTensor;
  /** The last feature map [h,w,c] of an image model, before flattening. */
  featureMap?: tf.SymbolicTensor;
  /** The flattened feature map (or the input of a vector model); made on first call, once. */
  flat(): tf.SymbolicTensor;
  /** The trunk's feature vector (flat → dense → dropout, as the model's options say); made on first call, once. */
  features(): tf.SymbolicTensor;
  /**
   * Per-position features [positions, F] when the model cuts its feature map into one slot per sequence position
   * itself (the `layers` model's `slots` entry, with its per-slot layers); the sequence task then adds only its
   * classifier. Throws a ModelConfigError when the map does not divide into `positions`.
   */
  slots?(positions: number): tf.SymbolicTensor;
  /** The next kernel initialiser: heads take theirs after the trunk's, so a seed gives the same model every time. */
  init: () => Initializer;
  kernelRegularizer?: Regularizer;
  heads: HeadStyle;
}

/** What a model is built for. */
export interface BuildContext {
  /** [H, W, C] of images, or [F] of encoded table rows. */
  inputShape: number[];
  /** Seed of the weight initialisers; omit for random init. */
  seed?: number;
}

/** One architecture: the registry entry. `C` is the static type of its `model:` section. */
export interface ModelType<C extends { type: string } = { type: string }> {
  /** The JSON Schema of the `model:` section (its `type` is added by the registry). */
  schema: TObject;
  /** Which input ranks it takes: `image` ([H,W,C]) and/or `vector` ([F]). */
  accepts: ReadonlyArray<'image' | 'vector'>;
  /** Rules on the options and the input shape (pool counts, …); pointers are absolute (`/model/…`). */
  checks?(config: C, inputShape: number[]): CheckIssue[];
  /** Builds the trunk; throws a ModelConfigError naming the option when the shape cannot work. */
  build(config: C, ctx: BuildContext): Trunk;
}
