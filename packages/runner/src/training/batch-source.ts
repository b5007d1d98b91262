import type * as tf from '@tensorflow/tfjs';

/** One batch of sequences: images [B,H,W,1], labels [B,L] (10 = blank), lengths [B]. The consumer disposes it. */
export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor2D;
  lengths: tf.Tensor1D;
}

/** What the trainer needs from the input pipeline. */
export interface BatchSource {
  /** Batches of a split (`train`, `val`, `test` or an evaluation variant) for one epoch. */
  batches(split: string, batchSize: number, epoch: number): Iterable<Batch>;
  /** Number of sequences in a split. */
  count(split: string): number;
}
