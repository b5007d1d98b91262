import * as tf from '@tensorflow/tfjs';
import { disposeBatch, type DataBundle } from '@xp/data';
import type { BoundTask, EvalResult, KeptPredictions } from '../tasks/task.js';

export type { EvalResult } from '../tasks/task.js';

/**
 * Evaluates `model` on a split in inference mode (no dropout, batch-norm moving statistics): the task's metrics
 * from counts summed on the backend, and (when asked) every decoded prediction for reports.
 */
export async function evaluate(
  model: tf.LayersModel,
  task: BoundTask,
  data: Pick<DataBundle, 'batches'>,
  split: string,
  batchSize: number,
  opts: { prefix?: string; keepPredictions?: boolean } = {},
): Promise<EvalResult> {
  let counts: tf.Tensor1D | null = null;
  let lossSum = 0;
  let n = 0;
  const kept: { predicted: (Float32Array | Int32Array)[]; actual: (Float32Array | Int32Array)[]; probabilities: Float32Array[]; width: number } = {
    predicted: [],
    actual: [],
    probabilities: [],
    width: 0,
  };
  for (const batch of data.batches(split, batchSize, 0)) {
    const b = batch.xs.shape[0];
    const step = tf.tidy(() => {
      const out = model.apply(batch.xs, { training: false }) as tf.Tensor | tf.Tensor[];
      const loss = task.loss(out, batch, false);
      const c = task.counts(out, batch);
      const next = counts ? tf.add(counts, c) : c;
      return { loss, next, decoded: opts.keepPredictions ? task.decode(out, batch) : undefined };
    });
    counts?.dispose();
    counts = step.next as tf.Tensor1D;
    lossSum += (await step.loss.data())[0] * b;
    step.loss.dispose();
    if (step.decoded) {
      const { predicted, actual, probabilities } = step.decoded;
      kept.width = predicted.size / b;
      kept.predicted.push((await predicted.data()) as Float32Array | Int32Array);
      kept.actual.push((await actual.data()) as Float32Array | Int32Array);
      if (probabilities) kept.probabilities.push((await probabilities.data()) as Float32Array);
      tf.dispose([predicted, actual, probabilities ?? []].flat());
    }
    n += b;
    disposeBatch(batch);
  }
  if (!counts || n === 0) throw new Error(`evaluation split '${split}' is empty`);
  const c = (await counts.data()) as Float32Array;
  counts.dispose();
  const result: EvalResult = { metrics: task.metrics(c, lossSum, n, opts.prefix ?? ''), count: n };
  if (opts.keepPredictions) result.predictions = keptPredictions(kept);
  return result;
}

function keptPredictions(k: { predicted: (Float32Array | Int32Array)[]; actual: (Float32Array | Int32Array)[]; probabilities: Float32Array[]; width: number }): KeptPredictions {
  return {
    predicted: concat(k.predicted),
    actual: concat(k.actual),
    width: k.width,
    ...(k.probabilities.length ? { probabilities: concat(k.probabilities) as Float32Array } : {}),
  };
}

// Keeps the element type of the parts (class ids stay Int32Array, values Float32Array).
function concat<T extends Float32Array | Int32Array>(parts: T[]): T {
  const Ctor = (parts[0]?.constructor ?? Int32Array) as new (n: number) => T;
  const out = new Ctor(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
