// Raw dataset images as PNG data URIs, for image marks. tf.node.encodePng is libtensorflow's EncodePng
// kernel, already loaded for training, so no image package is needed; it needs the native backend.
import * as tf from '@tensorflow/tfjs';

/** PNG data URIs of images [K,H,W,C] with values in [0,1] (C = 1, 3 or 4), in order. Disposes nothing it was given. */
export async function imageDataUris(images: tf.Tensor4D): Promise<string[]> {
  if (tf.getBackend() !== 'tensorflow') {
    throw new Error(`example images need the native TensorFlow backend (tf.node.encodePng), but '${tf.getBackend()}' is active`);
  }
  const { node } = await import('@tensorflow/tfjs-node-gpu');
  const pixels = tf.tidy(() => tf.unstack(tf.clipByValue(tf.round(tf.mul(images, 255)), 0, 255).toInt()) as tf.Tensor3D[]);
  try {
    const out: string[] = [];
    for (const image of pixels) out.push(`data:image/png;base64,${Buffer.from(await node.encodePng(image)).toString('base64')}`);
    return out;
  } finally {
    tf.dispose(pixels);
  }
}
