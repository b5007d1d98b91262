// Test-sequence images as PNG data URIs, for image marks. The pixels come from the bundle's own test
// batches (the exact images the model saw), undone from normalisation back to 0–255.
//
// PNG encoding uses tf.node.encodePng: libtensorflow's EncodePng kernel, already loaded for training, so
// xp gains no image dependency. (resvg only rasterises SVG; it cannot encode raw pixels.) It needs the
// native backend to be active, which every real run has; on the debug `cpu` backend this throws and the
// caller skips the plot.
import * as tf from '@tensorflow/tfjs';
import { disposeBatch, type DataBundle } from '@xp/data';

/** The pixel normalisation of the data config (`data.normalize`): model input = (pixel/255 − mean) / std. */
export interface Normalization {
  mean: number;
  std: number;
}

/** Options of {@link sequenceImageUris}. */
export interface SequenceImageOptions {
  /** Split to draw from. Defaults to `test`. */
  split?: string;
  /** Batch size used to walk the split. Defaults to 256. */
  batchSize?: number;
}

/**
 * PNG data URIs (`data:image/png;base64,…`) of the sequences at `indices` of a split, keyed by index.
 * Walks the split's batches in order and stops after the last index asked for; every tensor it creates or
 * receives is disposed before it returns. Only `train` is ever shuffled, so index i of `test` is the same
 * sequence whatever batch size the evaluation used.
 */
export async function sequenceImageUris(
  data: Pick<DataBundle, 'batches'>,
  indices: readonly number[],
  normalize: Normalization,
  opts: SequenceImageOptions = {},
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const wanted = [...new Set(indices)].sort((a, b) => a - b);
  if (wanted.length === 0) return out;
  if (tf.getBackend() !== 'tensorflow') {
    throw new Error(`sequence images need the native TensorFlow backend (tf.node.encodePng), but '${tf.getBackend()}' is active`);
  }
  const { node } = await import('@tensorflow/tfjs-node-gpu');
  let offset = 0;
  let next = 0;
  for (const batch of data.batches(opts.split ?? 'test', opts.batchSize ?? 256, 0)) {
    try {
      const [b, h, w] = batch.xs.shape;
      const rows: number[] = [];
      while (next < wanted.length && wanted[next] < offset + b) rows.push(wanted[next++] - offset);
      if (rows.length > 0) {
        const pixels = tf.tidy(() => {
          const x = tf.gather(batch.xs, tf.tensor1d(rows, 'int32'));
          return tf.clipByValue(tf.round(tf.mul(tf.add(tf.mul(x, normalize.std), normalize.mean), 255)), 0, 255).toInt();
        });
        const values = await pixels.data();
        pixels.dispose();
        for (let r = 0; r < rows.length; r++) {
          const image = tf.tensor3d(values.subarray(r * h * w, (r + 1) * h * w), [h, w, 1], 'int32');
          try {
            const png = await node.encodePng(image);
            out.set(rows[r] + offset, `data:image/png;base64,${Buffer.from(png).toString('base64')}`);
          } finally {
            image.dispose();
          }
        }
      }
      offset += b;
    } finally {
      disposeBatch(batch);
    }
    if (next >= wanted.length) break;
  }
  if (next < wanted.length) throw new Error(`sequence index ${wanted[next]} is past the end of the split (${offset} sequences)`);
  return out;
}
