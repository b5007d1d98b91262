// Decoding and resizing with TensorFlow's own kernels (DecodePng/Jpeg/Bmp/Gif, ResizeBilinear), reached through
// tfjs-node. tfjs-node is imported lazily, on the first decode: the rest of the data package runs on plain tfjs
// (the runner picks the backend), and only a dataset that reads image files needs the native decoders.
import * as tf from '@tensorflow/tfjs';

type TfNode = typeof import('@tensorflow/tfjs-node-gpu');

let tfNode: Promise<TfNode> | undefined;

/** Loads tfjs-node's decoders once. */
export function loadDecoders(): Promise<TfNode> {
  // As the runner's backend loader does: TensorFlow's start-up notes would clutter `xp validate`'s report (the
  // user's own setting wins). Data checks may load TensorFlow before the runner does.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  tfNode ??= import('@tensorflow/tfjs-node-gpu');
  return tfNode;
}

/** The size, colour and fit every image is brought to. */
export interface ImageSpec {
  height: number;
  width: number;
  channels: 1 | 3;
  resize: 'pad' | 'crop';
  /** Where a padded image sits: centred (default), or against the left edge and vertically centred. */
  align?: 'center' | 'left';
  /** The fill of padded pixels in [0,1] (default 0, black). */
  background?: number;
}

/**
 * Decodes one image file's bytes to [H,W,C] float32 pixels in [0,1] at `spec`'s size and colour. Throws (with
 * TensorFlow's message) when the bytes are not a readable PNG, JPEG, BMP or GIF. `decoders` from {@link loadDecoders}.
 */
export function decodeToSpec(decoders: TfNode, bytes: Uint8Array, spec: ImageSpec): tf.Tensor3D {
  // channels 0 = as stored; the conversion below is the same for every format (GIF ignores `channels` anyway).
  const decoded = decoders.node.decodeImage(bytes, 0, 'int32', false) as tf.Tensor3D;
  return tf.tidy(() => {
    const img = toChannels(tf.div(tf.cast(decoded, 'float32'), 255) as tf.Tensor3D, spec.channels);
    decoded.dispose();
    return fit(img, spec);
  });
}

/** {@link decodeToSpec}'s pixels as an array (the tensor disposed). */
export function decodePixels(decoders: TfNode, bytes: Uint8Array, spec: ImageSpec): Float32Array {
  const img = decodeToSpec(decoders, bytes, spec);
  try {
    return img.dataSync() as Float32Array;
  } finally {
    img.dispose();
  }
}

/** RGB(A) → luma or gray → RGB; alpha dropped. */
function toChannels(img: tf.Tensor3D, want: 1 | 3): tf.Tensor3D {
  const [h, w, c] = img.shape;
  const colour = c >= 3 ? img.slice([0, 0, 0], [h, w, 3]) : img.slice([0, 0, 0], [h, w, 1]);
  if (want === 1) return colour.shape[2] === 1 ? colour : (tf.image.rgbToGrayscale(colour) as tf.Tensor3D);
  return colour.shape[2] === 3 ? colour : tf.tile(colour, [1, 1, 3]);
}

/**
 * Scales to fit (`pad`, then borders of `background`, the image centred or at the left edge) or to cover
 * (`crop`, then the centre), keeping the aspect ratio.
 */
function fit(img: tf.Tensor3D, spec: ImageSpec): tf.Tensor3D {
  const [h, w] = img.shape;
  const { height: H, width: W } = spec;
  if (h === H && w === W) return img;
  const s = spec.resize === 'pad' ? Math.min(H / h, W / w) : Math.max(H / h, W / w);
  const nh = spec.resize === 'pad' ? Math.min(H, Math.max(1, Math.round(h * s))) : Math.max(H, Math.round(h * s));
  const nw = spec.resize === 'pad' ? Math.min(W, Math.max(1, Math.round(w * s))) : Math.max(W, Math.round(w * s));
  const scaled = nh === h && nw === w ? img : tf.image.resizeBilinear(img, [nh, nw], false, true);
  if (spec.resize === 'pad') {
    const top = Math.floor((H - nh) / 2);
    const left = spec.align === 'left' ? 0 : Math.floor((W - nw) / 2);
    return tf.pad(scaled, [[top, H - nh - top], [left, W - nw - left], [0, 0]], spec.background ?? 0);
  }
  return scaled.slice([Math.floor((nh - H) / 2), Math.floor((nw - W) / 2), 0], [H, W, img.shape[2]]);
}
