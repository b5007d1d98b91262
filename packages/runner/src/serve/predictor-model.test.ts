import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ModelInputError, type Prediction, type Predictor } from '../model-use/index.js';
import { PredictorModel } from './predictor-model.js';

/** A fake Predictor recording its calls: an image's prediction is its text, a tensor's its sum; bytes `BAD` fail. */
function fakePredictor(input: Predictor['info']['input']) {
  const calls: string[] = [];
  const p = {
    preprocessing: input.kind === 'table' ? { table: { target: { name: 'label' } } } : {},
    info: { ref: 'fake', dir: '/x', task: 'classification', input, target: { kind: 'class', classes: ['a'] } },
    async predictImages(images: readonly Uint8Array[], opts?: { topK?: number }): Promise<Prediction[]> {
      calls.push(`images x${images.length} top${opts?.topK}`);
      const bad = images.findIndex((b) => Buffer.from(b).toString() === 'BAD');
      if (bad >= 0) throw new ModelInputError('image', 'not a PNG, JPEG, BMP or GIF', { index: bad });
      return images.map((b) => ({ prediction: Buffer.from(b).toString() }));
    },
    async predictRows(rows: readonly Record<string, unknown>[], opts?: { topK?: number; unknownColumns?: string }): Promise<Prediction[]> {
      calls.push(`rows x${rows.length} ${opts?.unknownColumns}`);
      return rows.map((r) => ({ prediction: Number(r.x) * 10 }));
    },
    async predictTensor(xs: tf.Tensor, opts?: { topK?: number }): Promise<Prediction[]> {
      calls.push(`tensor [${xs.shape.join(',')}] top${opts?.topK}`);
      const rows = xs.reshape([xs.shape[0], -1]).arraySync() as number[][];
      return rows.map((r) => ({ prediction: r.reduce((a, b) => a + b, 0) }));
    },
    dispose() {},
  };
  return { predictor: p as unknown as Predictor, calls };
}

const img = (s: string, where: string) => ({ kind: 'image' as const, bytes: Buffer.from(s), where });

describe('PredictorModel', () => {
  it('scores a mixed batch with one Predictor call per kind and top-k, answers in job order', async () => {
    const { predictor, calls } = fakePredictor({ kind: 'image', shape: [1, 2, 1] });
    const m = new PredictorModel(predictor);
    expect(m.input).toEqual({ kind: 'image', column: 'image', shape: [1, 2, 1] });
    const out = await m.score([
      { item: img('a', 'row 0'), topK: 1 },
      { item: { kind: 'tensor', shape: [1, 2, 1], values: new Float32Array([1, 2]), where: 'row 1' }, topK: 1 },
      { item: img('b', 'row 2'), topK: 3 },
      { item: img('c', 'row 3'), topK: 1 },
      { item: { kind: 'tensor', shape: [1, 2, 1], values: new Float32Array([5, 5]), where: 'row 4' }, topK: 1 },
    ]);
    expect(out.map((p) => p.prediction)).toEqual(['a', 3, 'b', 'c', 10]);
    expect(calls.sort()).toEqual(['images x1 top3', 'images x2 top1', 'tensor [2,1,2,1] top1']);
  });

  it("names the request's row when the Predictor refuses one input (a 400, not a 500)", async () => {
    const { predictor } = fakePredictor({ kind: 'image', shape: [1, 2, 1] });
    const m = new PredictorModel(predictor);
    const err = await m.score([{ item: img('ok', 'row 0'), topK: 1 }, { item: img('BAD', "file 'x.png'"), topK: 1 }]).catch((e) => e);
    expect(m.userError(err)).toBe("file 'x.png': not a PNG, JPEG, BMP or GIF");
    expect(m.userError(new Error('tensorflow crashed'))).toBeUndefined();
  });

  it('serves a table model its columns and refuses unknown columns through the Predictor', async () => {
    const { predictor, calls } = fakePredictor({ kind: 'table', columns: ['x', 'y'], shape: [3] });
    const m = new PredictorModel(predictor);
    expect(m.input).toEqual({ kind: 'table', columns: ['x', 'y'], ignored: ['label'] });
    const out = await m.score([{ item: { kind: 'row', values: { x: 2 }, where: 'row 0' }, topK: 1 }]);
    expect(out).toEqual([{ prediction: 20 }]);
    expect(calls).toEqual(['rows x1 error']);
  });
});
