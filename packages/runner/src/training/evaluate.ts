import * as tf from '@tensorflow/tfjs';
import type { BatchSource } from './batch-source.js';
import { asSequenceOutputs, correctCounts, countsToMetrics, sequenceLoss } from './sequence-metrics.js';

/** Metrics of one split, and (when asked) every prediction for plots and confusion matrices. */
export interface EvalResult {
  metrics: Record<string, number>;
  count: number;
  predictions?: { preds: Int32Array; labels: Int32Array; maxLen: number };
}

/** Evaluates `model` on a split in inference mode (no dropout, batch-norm moving statistics). */
export async function evaluate(
  model: tf.LayersModel,
  data: BatchSource,
  split: string,
  batchSize: number,
  opts: { prefix?: string; keepPredictions?: boolean } = {},
): Promise<EvalResult> {
  let counts: tf.Tensor1D | null = null;
  let lossSum = 0;
  let n = 0;
  const preds: Int32Array[] = [];
  const labels: Int32Array[] = [];
  let maxLen = 0;
  for (const batch of data.batches(split, batchSize, 0)) {
    const b = batch.xs.shape[0];
    const step = tf.tidy(() => {
      const out = asSequenceOutputs(model.apply(batch.xs, { training: false }) as tf.Tensor | tf.Tensor[]);
      const loss = sequenceLoss(out, batch.ys, batch.lengths);
      const c = correctCounts(out, batch.ys, batch.lengths);
      const next = counts ? tf.add(counts, c) : c;
      return { loss, next, argmax: opts.keepPredictions ? tf.argMax(out.digits, -1).toInt() : undefined };
    });
    counts?.dispose();
    counts = step.next as tf.Tensor1D;
    lossSum += (await step.loss.data())[0] * b;
    step.loss.dispose();
    if (step.argmax) {
      maxLen = step.argmax.shape[1] ?? 0;
      preds.push((await step.argmax.data()) as Int32Array);
      labels.push(Int32Array.from(await batch.ys.data()));
      step.argmax.dispose();
    }
    n += b;
    tf.dispose([batch.xs, batch.ys, batch.lengths]);
  }
  if (!counts || n === 0) throw new Error(`evaluation split '${split}' is empty`);
  const c = (await counts.data()) as Float32Array;
  counts.dispose();
  const result: EvalResult = { metrics: countsToMetrics(c, lossSum, n, opts.prefix ?? ''), count: n };
  if (opts.keepPredictions) result.predictions = { preds: concat(preds), labels: concat(labels), maxLen };
  return result;
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
