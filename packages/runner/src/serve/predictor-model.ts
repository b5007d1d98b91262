// The served model: a loaded Predictor behind the ScoringModel interface the HTTP layer needs. A batch may mix
// image files, preprocessed arrays and different top-k's (requests merged by the batcher); each kind and top-k
// is one Predictor call, so answers are exactly what `xp predict` gives for the same inputs.
import * as tf from '@tensorflow/tfjs';
import { isModelInputError, type Prediction, type Predictor } from '../model-use/index.js';
import type { ScoreJob, ScoringModel } from './scoring-server.js';
import type { ScoreItem, ServedInput } from './scoring-request.js';

/** The JSON column an image model's rows put the image in (`{"image": "<base64>"}`). */
export const IMAGE_COLUMN = 'image';

/** A problem with one input of a request, found by the Predictor: answered 400 with its message. */
export class ServedInputError extends Error {}

/** Wraps a Predictor for the scoring server. */
export class PredictorModel implements ScoringModel {
  readonly input: ServedInput;

  constructor(private readonly predictor: Predictor) {
    const input = predictor.info.input;
    const target = predictor.preprocessing.table?.target.name;
    this.input =
      input.kind === 'image'
        ? { kind: 'image', column: IMAGE_COLUMN, shape: input.shape }
        : { kind: 'table', columns: input.columns, ...(target ? { ignored: [target] } : {}) };
  }

  async score(jobs: ScoreJob[]): Promise<Prediction[]> {
    const out: Prediction[] = new Array(jobs.length);
    const groups = new Map<string, number[]>();
    jobs.forEach((j, i) => {
      const key = `${j.item.kind}/${j.topK}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    for (const idx of groups.values()) {
      const items = idx.map((i) => jobs[i].item);
      const opts = { topK: jobs[idx[0]].topK, batchSize: Math.max(1, items.length) };
      let predictions: Prediction[];
      try {
        predictions = await this.predictGroup(items, opts);
      } catch (e) {
        if (!isModelInputError(e)) throw e;
        const where = e.index !== undefined && items[e.index] ? `${items[e.index].where}: ` : '';
        throw new ServedInputError(`${where}${e.message}`, { cause: e });
      }
      idx.forEach((i, k) => (out[i] = predictions[k]));
    }
    return out;
  }

  userError(e: unknown): string | undefined {
    if (e instanceof ServedInputError) return e.message;
    return isModelInputError(e) ? e.message : undefined;
  }

  private predictGroup(items: ScoreItem[], opts: { topK: number; batchSize: number }): Promise<Prediction[]> {
    switch (items[0].kind) {
      case 'image':
        return this.predictor.predictImages(
          items.map((i) => (i as Extract<ScoreItem, { kind: 'image' }>).bytes),
          opts,
        );
      case 'row':
        return this.predictor.predictRows(
          items.map((i) => (i as Extract<ScoreItem, { kind: 'row' }>).values),
          { ...opts, unknownColumns: 'error' },
        );
      case 'tensor':
        return this.predictTensors(items as Extract<ScoreItem, { kind: 'tensor' }>[], opts);
    }
  }

  /** Preprocessed arrays (the input example's form) stacked into one [B, …shape] tensor. */
  private async predictTensors(items: Extract<ScoreItem, { kind: 'tensor' }>[], opts: { topK: number; batchSize: number }): Promise<Prediction[]> {
    const size = items[0].values.length;
    const flat = new Float32Array(size * items.length);
    items.forEach((it, k) => flat.set(it.values, k * size));
    const xs = tf.tensor(flat, [items.length, ...items[0].shape], 'float32');
    try {
      return await this.predictor.predictTensor(xs, opts);
    } finally {
      xs.dispose();
    }
  }

  dispose(): void {
    this.predictor.dispose();
  }
}
