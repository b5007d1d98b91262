// What one layer kind of the `layers` model owns: the schema of its options, its shape rule (pure, so `xp validate`
// can compute every layer's output before any tensor exists) and its tfjs build.
import type * as tf from '@tensorflow/tfjs';
import type { TSchema } from '@xp/core';
import type { Initializer, Regularizer } from '../../model-type.js';

/** A shape without the batch axis: [h, w, c] for a feature map, [f] for a vector, [positions, f] after slots. */
export type Shape = number[];

/** What a kind's shape rule gives: the output shape and the parameter count, or why the input cannot work. */
export type ShapeResult = { out: Shape; params: number } | { problem: string };

/** What a kind's build gets besides its options. */
export interface BuildArgs {
  /** The layer's name; a kind that makes more than one layer suffixes the others (`<name>_act`). */
  name: string;
  trainable: boolean;
  /** The next kernel initialiser, taken only by layers with a kernel, in build order (seeded models repeat). */
  init: () => Initializer;
  kernelRegularizer?: Regularizer;
}

/** One layer kind: the key of a `model.layers` entry, e.g. `conv2d`. */
export interface LayerKind<O = unknown> {
  /** The schema of the value under the key (options mapping, or a scalar such as dropout's rate). */
  schema: TSchema;
  /** One line for docs and the did-you-mean list. */
  summary: string;
  /** Output shape and parameter count on `input`, or the problem (the message says what to change). */
  shape(input: Shape, o: O): ShapeResult;
  /** The tfjs layers of this entry, applied in order. */
  build(o: O, a: BuildArgs): tf.layers.Layer[];
}

/** `h×w×c` or `[f]`, as messages show a shape. */
export const showShape = (s: Shape): string => (s.length === 3 ? s.join('×') : `[${s.join(', ')}]`);

/** The problem of a kind that takes only [h, w, c] maps, or undefined. */
export function needsMap(kind: string, input: Shape, fix: string): string | undefined {
  if (input.length === 3) return undefined;
  return `${kind} takes a feature map [height, width, channels], but its input is ${showShape(input)}; ${fix}`;
}

/** The problem of a kind that takes only vectors, or undefined. */
export function needsVector(kind: string, input: Shape, fix: string): string | undefined {
  if (input.length !== 3) return undefined;
  return `${kind} takes a vector, but its input is the ${showShape(input)} feature map; ${fix}`;
}
