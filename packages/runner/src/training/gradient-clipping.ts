// Gradient clipping with Keras's three options (clipnorm, global_clipnorm, clipvalue), applied to the gradients
// an optimizer receives. tfjs's optimizers have no clipping of their own.
import * as tf from '@tensorflow/tfjs';

type NamedTensor = { name: string; tensor: tf.Tensor | null };

/** Keras's clipping options, as `training.optimizer` names them. */
export interface ClipOptions {
  clipnorm?: number;
  global_clipnorm?: number;
  clipvalue?: number;
}

/** Whether any of the clipping options is set. */
export const hasClipping = (o: ClipOptions) => o.clipnorm !== undefined || o.global_clipnorm !== undefined || o.clipvalue !== undefined;

/** g·min(1, c/‖g‖), as tf.clip_by_norm (the max() keeps an all-zero gradient from dividing by zero). */
const clipByNorm = (g: tf.Tensor, c: number) => tf.mul(g, tf.div(c, tf.maximum(tf.norm(g), c)));

/**
 * The gradients clipped as Keras does, in its order: each by its own norm (`clipnorm`), all by their global norm
 * (`global_clipnorm`, tf.clip_by_global_norm), then each element by value (`clipvalue`). Null gradients (weights
 * frozen this step) stay null and do not count towards the global norm. Call inside a tidy.
 */
export function clipGradients(grads: NamedTensor[], o: ClipOptions): NamedTensor[] {
  let out = grads;
  const each = (f: (g: tf.Tensor) => tf.Tensor) => (out = out.map(({ name, tensor }) => ({ name, tensor: tensor && f(tensor) })));
  if (o.clipnorm !== undefined) each((g) => clipByNorm(g, o.clipnorm!));
  if (o.global_clipnorm !== undefined) {
    const present = out.flatMap((g) => (g.tensor ? [g.tensor] : []));
    if (present.length) {
      const norm = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.div(o.global_clipnorm, tf.maximum(norm, o.global_clipnorm));
      each((g) => tf.mul(g, scale));
    }
  }
  if (o.clipvalue !== undefined) each((g) => tf.clipByValue(g, -o.clipvalue!, o.clipvalue!));
  return out;
}

/**
 * Makes `opt` clip every gradient it is given (see {@link clipGradients}), and returns it. The optimizer's own
 * applyGradients is wrapped on the instance rather than by a delegating class, so that everything else reads the
 * same object as before: learning-rate schedules set its fields, checkpoints save its state.
 */
export function withGradientClipping<T extends tf.Optimizer>(opt: T, o: ClipOptions): T {
  if (!hasClipping(o)) return opt;
  const apply = opt.applyGradients.bind(opt);
  opt.applyGradients = (variableGradients) => {
    const named = Array.isArray(variableGradients) ? variableGradients : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    tf.tidy(() => apply(clipGradients(named, o) as { name: string; tensor: tf.Tensor }[]));
  };
  return opt;
}
