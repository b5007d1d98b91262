// The scoring server on a real Predictor (a small image model saved as `xp run` saves it, native backend):
// concurrent requests in every form are answered exactly as the Predictor answers the same images, bad images
// are 400s, and no tensor is left behind however requests are batched or fail.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tfn from '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPredictor, type Predictor } from '../model-use/index.js';
import { saveModel } from '../run/model-artifact.js';
import { PredictorModel } from './predictor-model.js';
import { buildScoringServer } from './scoring-server.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-serve-predictor-'));
let predictor: Predictor;
let app: FastifyInstance;
let base = '';
const pngs: Buffer[] = [];

beforeAll(async () => {
  await tf.setBackend('tensorflow');
  // A 3-class model on [6, 10, 1] images: dense over the flattened, normalised pixels, fixed random weights.
  const input = tf.input({ shape: [6, 10, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const dir = path.join(tmp, 'model');
  await saveModel(model, dir);
  model.dispose();
  fs.writeFileSync(
    path.join(dir, 'preprocessing.json'),
    JSON.stringify({
      task: 'classification', target: { kind: 'class', classes: ['a', 'b', 'c'] }, input: { kind: 'image', shape: [6, 10, 1] },
      type: 'image_folder', image: { height: 6, width: 10, channels: 1 }, resize: 'pad', align: 'center', background: 0, normalize: { mean: [0.5], std: [0.25] }, classes: ['a', 'b', 'c'],
    }),
  );
  predictor = await loadPredictor(dir);
  // PNGs of other sizes and colours than the model's input: the Predictor fits them.
  for (const [k, [h, w, c]] of [[6, 10, 1], [12, 30, 3], [5, 5, 1], [9, 14, 3]].entries()) {
    const t = tf.tidy(() => tf.randomUniform([h, w, c], 0, 256, 'int32', 11 + k));
    pngs.push(Buffer.from(await tfn.node.encodePng(t as tf.Tensor3D)));
    t.dispose();
  }
  ({ app } = await buildScoringServer(new PredictorModel(predictor), { batching: { maxBatch: 8, maxWaitMs: 0 }, maxRows: 16, bodyLimit: 1 << 20, version: 't', topK: 1 }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  predictor?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const json = (body: unknown) => fetch(`${base}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('scoring server on a real Predictor', () => {
  it('answers concurrent requests exactly as the Predictor, and keeps the tensor count flat', async () => {
    const want = await predictor.predictImages(pngs, { topK: 2 });
    const b64 = pngs.map((p) => p.toString('base64'));
    const round = () =>
      Promise.all([
        ...b64.map((b) => json({ inputs: [b], params: { top_k: 2 } })),
        json({ dataframe_records: b64.map((image) => ({ image })), params: { top_k: 2 } }),
        json({ inputs: [Buffer.from('not an image').toString('base64')] }),
        (() => {
          const form = new FormData();
          pngs.forEach((p, i) => form.append('f', new Blob([p]), `${i}.png`));
          form.append('params', '{"top_k": 2}');
          return fetch(`${base}/invocations`, { method: 'POST', body: form });
        })(),
        json({ inputs: [Array.from({ length: 6 }, () => Array.from({ length: 10 }, () => [0.5]))] }),
      ]);
    const check = async (responses: Response[]) => {
      const bodies = await Promise.all(responses.map((r) => r.json()));
      const single = bodies.slice(0, pngs.length).map((b) => (b as { predictions: unknown[] }).predictions[0]);
      expect(single.map((p) => (p as { prediction: string }).prediction)).toEqual(want.map((w) => w.prediction));
      single.forEach((p, i) => expect((p as { probability: number }).probability).toBeCloseTo(want[i].probability!, 5));
      for (const k of [pngs.length, pngs.length + 2]) {
        expect(responses[k].status).toBe(200);
        expect((bodies[k] as { predictions: { prediction: string; top_k: unknown[] }[] }).predictions.map((p) => p.prediction)).toEqual(want.map((w) => w.prediction));
      }
      expect(responses[pngs.length + 3].status).toBe(200); // the preprocessed array
      expect(responses[pngs.length + 1].status).toBe(400);
      expect((bodies[pngs.length + 1] as { message: string }).message).toMatch(/^row 0: /);
    };
    await check(await round()); // warm-up: kernels and caches
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await check(await round());
    expect(tf.memory().numTensors).toBe(before);
  });

  it("accepts the preprocessed array (the logged input example's form) and predicts as predictTensor does", async () => {
    const xs = tf.randomNormal([2, 6, 10, 1], 0, 1, 'float32', 5);
    const want = await predictor.predictTensor(xs);
    const res = await json({ inputs: xs.arraySync() });
    xs.dispose();
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: { prediction: string; probability: number }[] };
    expect(predictions.map((p) => p.prediction)).toEqual(want.map((w) => w.prediction));
    predictions.forEach((p, i) => expect(p.probability).toBeCloseTo(want[i].probability!, 5));
  });
});
