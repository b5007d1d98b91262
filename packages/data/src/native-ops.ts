// tfjs-node registers no kernel for `tf.image.transform`, yet libtensorflow has the op: the node backend's
// generic executor reaches any TensorFlow op by name. The library imports plain @tensorflow/tfjs, so it
// duck-types the native backend instead of importing tfjs-node (the runner picks the backend).
import * as tf from '@tensorflow/tfjs';

/** How {@link projectiveTransform} samples and what it puts outside the input. */
export interface TransformOptions {
  /** Defaults to `bilinear`. */
  interpolation?: 'bilinear' | 'nearest';
  /** Defaults to `constant`. */
  fillMode?: 'constant' | 'reflect' | 'wrap' | 'nearest';
  /** Value of pixels mapped outside the input in `constant` mode. Defaults to 0. */
  fillValue?: number;
  /** Output [height, width]. Defaults to the input's. */
  outputShape?: [number, number];
}

/** One attribute of a TensorFlow op, as tfjs-node's binding takes it (`type` is a `TF_ATTR_*` constant). */
export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** The part of tfjs-node's NodeJSKernelBackend that runs TensorFlow ops by name. */
export interface NativeBackend {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_STRING: number;
    TF_ATTR_INT: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_SHAPE: number;
    TF_FLOAT: number;
    TF_INT32: number;
  };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

/** The native TensorFlow backend when it is the active one, else undefined. */
export function nativeBackend(): NativeBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const b = tf.backend() as unknown as Partial<NativeBackend>;
  return typeof b.executeSingleOutput === 'function' && typeof b.executeMultipleOutputs === 'function' && b.binding
    ? (b as NativeBackend)
    : undefined;
}

/**
 * Applies one projective transform per image, TensorFlow's `ImageProjectiveTransformV3`: row
 * `[a0,a1,a2,b0,b1,b2,c0,c1]` of `transforms` maps each *output* pixel (x, y) to the input point
 * ((a0x+a1y+a2)/k, (b0x+b1y+b2)/k) with k = c0x+c1y+1. A single row applies to every image.
 *
 * Runs the native op on the `tensorflow` backend and `tf.image.transform` elsewhere.
 *
 * @example projectiveTransform(images, tf.tensor2d([[1, 0, -2, 0, 1, 0, 0, 0]])) // shift right by 2 px
 */
export function projectiveTransform(images: tf.Tensor4D, transforms: tf.Tensor2D, opts: TransformOptions = {}): tf.Tensor4D {
  const interpolation = opts.interpolation ?? 'bilinear';
  const fillMode = opts.fillMode ?? 'constant';
  const fillValue = opts.fillValue ?? 0;
  const [, h, w] = images.shape;
  const outputShape = opts.outputShape ?? [h, w];
  const native = nativeBackend();
  return tf.tidy(() => {
    const imgs = images.toFloat() as tf.Tensor4D;
    const t = transforms.toFloat() as tf.Tensor2D;
    if (native) {
      const { binding } = native;
      const attrs: OpAttr[] = [
        { name: 'dtype', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
        { name: 'interpolation', type: binding.TF_ATTR_STRING, value: interpolation.toUpperCase() },
        { name: 'fill_mode', type: binding.TF_ATTR_STRING, value: fillMode.toUpperCase() },
      ];
      const inputs = [imgs, t, tf.tensor1d(outputShape, 'int32'), tf.scalar(fillValue, 'float32')];
      return native.executeSingleOutput('ImageProjectiveTransformV3', attrs, inputs) as tf.Tensor4D;
    }
    // tfjs-backend-cpu 4.22's Transform kernel returns after the first image of a batch and leaves the rest
    // as fill (a `return` inside its batch loop), so the fallback feeds it one image at a time. Only the
    // debugging backends take this path; it is slow and that is fine.
    const n = imgs.shape[0];
    if (n === 1) return tf.image.transform(imgs, t, interpolation, fillMode, fillValue, outputShape);
    const ts: tf.Tensor2D[] = t.shape[0] === 1 ? Array.from({ length: n }, () => t) : tf.split(t, n);
    const parts = tf.split<tf.Tensor4D>(imgs, n).map((img, i) => tf.image.transform(img, ts[i], interpolation, fillMode, fillValue, outputShape));
    return tf.concat(parts, 0);
  });
}

/**
 * `tf.gather(params, indices)` along axis 0. On the `tensorflow` backend it calls the native GatherV2 directly:
 * tfjs-node's kernel first reads every index back into JS to bounds-check it, which costs ~30 ms per million
 * indices, while TensorFlow's own kernel checks bounds natively (an out-of-range index is still an error).
 */
export function gatherRows<T extends tf.Tensor>(params: T, indices: tf.Tensor): T {
  const native = nativeBackend();
  if (!native || indices.dtype !== 'int32') return tf.gather(params, indices) as T;
  const { binding } = native;
  const dtype = params.dtype === 'int32' ? binding.TF_INT32 : binding.TF_FLOAT;
  const attrs: OpAttr[] = [
    { name: 'batch_dims', type: binding.TF_ATTR_INT, value: 0 },
    { name: 'Tparams', type: binding.TF_ATTR_TYPE, value: dtype },
    { name: 'Tindices', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
    { name: 'Taxis', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
  ];
  return tf.tidy(() => native.executeSingleOutput('GatherV2', attrs, [params, indices, tf.scalar(0, 'int32')]) as T);
}
