// `xp serve` end to end: a tiny run registers its model in a real MLflow server; `xp serve models:/<name>@<alias>`
// answers MLflow's scoring protocol with the same predictions `xp predict` prints for the same PNGs (sent as
// base64 JSON, as a multipart upload, and concurrently so they are batched), accepts the model's own logged
// input example, refuses each kind of bad request with a 4xx and a reason while it keeps serving, and stops
// cleanly on SIGTERM. A penguins table model (`xp serve runs:/<id>`) answers rows in every form as `xp predict`
// does (also to MLflow's own Python scoring client) and refuses unknown and missing columns.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node-gpu';
import { mlflowVenvDir, startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll, rest, root, runIdFromUrl, startXp, xp } from './helpers.js';

const MODEL = 'models:/xp-e2e-digits@champion';

interface Answer {
  prediction: unknown;
  probability?: number;
  [k: string]: unknown;
}

let server: Awaited<ReturnType<typeof startServer>>;
let tmp: string;
let env: Record<string, string>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-serve-'));
  server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state'), XP_MODEL_CACHE: path.join(tmp, 'models') };
}, 180_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** `xp serve` on `model`; resolves with it and its URL once it listens. */
async function startServe(model: string, extra: string[] = []) {
  const proc = startXp(['serve', model, '--port', '0', ...extra], env);
  const url = await poll('xp serve to listen', async () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stderr())?.[1], 180_000);
  return { proc, url };
}

async function stopServe(proc: ReturnType<typeof startXp> | undefined) {
  if (proc && proc.child.exitCode === null) {
    proc.child.kill('SIGKILL');
    await proc.done;
  }
}

const jsonl = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Answer);

describe('xp serve models:/<name>@<alias> (images) against a real MLflow server', () => {
  let serve: ReturnType<typeof startXp>;
  let base = '';
  const pngs: string[] = [];
  let expected: Answer[] = [];
  let expectedTop3: Answer[] = [];

  beforeAll(async () => {
    const run = await xp(['run', 'test/fixtures/tiny-register.yaml', '--set', 'training.epochs=1'], env);
    if (run.code !== 0) throw new Error(`xp run failed (${run.code}):\n${run.stderr}`);
    runIdFromUrl(run.stdout);

    // The sample digit sequences (one large, one RGB) and PNGs of noise of other sizes and colours this test
    // writes: the server must preprocess every one as `xp predict` does.
    const samples = path.join(root, 'experiments/mnist-seq/samples');
    pngs.push(...['407.png', '12.png', '385-large.png', '61-rgb.png'].map((f) => path.join(samples, f)));
    const sizes: [number, number, number][] = [
      [40, 100, 3],
      [20, 60, 1],
    ];
    for (const [k, [h, w, c]] of sizes.entries()) {
      const img = tf.tidy(() => tf.randomUniform([h, w, c], 0, 255, 'float32', 7 + k).toInt());
      const file = path.join(tmp, `img${k}.png`);
      fs.writeFileSync(file, await tf.node.encodePng(img as tf.Tensor3D));
      img.dispose();
      pngs.push(file);
    }
    const pred = await xp(['predict', MODEL, ...pngs, '--format', 'jsonl'], env);
    if (pred.code !== 0) throw new Error(`xp predict failed (${pred.code}):\n${pred.stderr}`);
    expected = jsonl(pred.stdout);
    expect(expected).toHaveLength(pngs.length);
    const top = await xp(['predict', MODEL, ...pngs, '--top-k', '3'], env);
    if (top.code !== 0) throw new Error(`xp predict --top-k 3 failed (${top.code}):\n${top.stderr}`);
    expectedTop3 = jsonl(top.stdout);

    ({ proc: serve, url: base } = await startServe(MODEL, ['--max-rows', '8', '--max-body-mb', '1']));
  }, 300_000);

  afterAll(() => stopServe(serve));

  const post = (body: BodyInit, type?: string) => fetch(`${base}/invocations`, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
  const json = (v: unknown) => post(JSON.stringify(v), 'application/json');
  const b64 = (file: string) => fs.readFileSync(file).toString('base64');

  /** Each answer carries every field `xp predict` printed for the same image, with the same values. */
  function expectSameAsPredict(answers: Answer[], lines = expected) {
    expect(answers).toHaveLength(lines.length);
    answers.forEach((a, i) => {
      // xp predict's line is {input, ...prediction}; the server answers the prediction.
      const { input, ...want } = lines[i];
      expect(input).toBe(pngs[i]);
      expect(Object.keys(a).sort(), `image ${i}`).toEqual(Object.keys(want).sort());
      expect(a.prediction, `image ${i}`).toEqual(want.prediction);
      expect(a.probability).toBeCloseTo(want.probability!, 5);
      // top-k labels per position (sequence) or of the example: the same labels, the same probabilities
      expect(JSON.stringify(a.positions ?? a.top_k ?? null).replace(/"probability":[-\d.e]+/g, 'p')).toBe(JSON.stringify(want.positions ?? want.top_k ?? null).replace(/"probability":[-\d.e]+/g, 'p'));
    });
  }

  it('answers params.top_k as xp predict --top-k does', async () => {
    expect(expectedTop3[0].positions ?? expectedTop3[0].top_k).toBeTruthy();
    const res = await json({ inputs: pngs.map(b64), params: { top_k: 3 } });
    expect(res.status).toBe(200);
    expectSameAsPredict(((await res.json()) as { predictions: Answer[] }).predictions, expectedTop3);
  });

  it('binds to loopback and answers /ping, /health and /version', async () => {
    expect(serve.stderr()).toContain('listening on http://127.0.0.1:');
    for (const p of ['/ping', '/health']) expect((await fetch(base + p)).status).toBe(200);
    const version = await fetch(`${base}/version`);
    expect(version.status).toBe(200);
    expect(await version.text()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers /invocations with the predictions xp predict gives, in every JSON form and as a multipart upload', async () => {
    const images = pngs.map(b64);
    const bodies = [
      { inputs: images },
      { instances: images.map((b) => ({ b64: b })) },
      { dataframe_records: images.map((image) => ({ image })) },
      { dataframe_split: { columns: ['image'], data: images.map((b) => [b]) } },
    ];
    for (const body of bodies) {
      const res = await json(body);
      expect(res.status, Object.keys(body)[0]).toBe(200);
      expectSameAsPredict(((await res.json()) as { predictions: Answer[] }).predictions);
    }
    const form = new FormData();
    for (const f of pngs) form.append('file', new Blob([fs.readFileSync(f)], { type: 'image/png' }), path.basename(f));
    const res = await post(form);
    expect(res.status).toBe(200);
    expectSameAsPredict(((await res.json()) as { predictions: Answer[] }).predictions);
  });

  it('answers concurrent one-image requests (batched together) each with its own prediction', async () => {
    const answers = await Promise.all(
      pngs.flatMap((f, i) => [0, 1].map(async () => {
        const res = await json({ inputs: [b64(f)] });
        expect(res.status).toBe(200);
        return { i, a: ((await res.json()) as { predictions: Answer[] }).predictions[0] };
      })),
    );
    for (const { i, a } of answers) expect(a.prediction).toEqual(expected[i].prediction);
  });

  it("accepts the model's logged serving input example (serving_input_example.json) as it is", async () => {
    const reg = await rest<{ model_version: { source: string } }>(server.url, '/api/2.0/mlflow/registered-models/alias?name=xp-e2e-digits&alias=champion');
    const modelId = reg.model_version.source.replace('models:/', '');
    const model = await rest<{ model: { info: { experiment_id: string } } }>(server.url, `/api/2.0/mlflow/logged-models/${modelId}`);
    const url = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${model.model.info.experiment_id}/models/${modelId}/artifacts/serving_input_example.json`;
    const example = await (await fetch(url)).text();
    const res = await post(example, 'application/json');
    expect(res.status, await res.clone().text()).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Answer[] };
    expect(predictions).toHaveLength(1);
    expect(typeof predictions[0].prediction).toBe('string');
  });

  it('answers each kind of bad request with a 4xx and its reason, and keeps serving', async () => {
    const good = b64(pngs[0]);
    const textField = new FormData();
    textField.append('note', 'hello');
    const cases: [string, () => Promise<Response>, number, RegExp][] = [
      ['malformed JSON', () => post('{"inputs": [', 'application/json'), 400, /not valid JSON/],
      ['an empty body', () => post('', 'application/json'), 400, /no body/],
      ['no input field', () => json({ rows: [good] }), 400, /unknown field 'rows'/],
      ['two input fields', () => json({ inputs: [good], instances: [good] }), 400, /exactly one of/],
      ['bad base64', () => json({ inputs: ['###'] }), 400, /row 0: the image is not valid base64/],
      ['bytes that are no image', () => json({ inputs: [Buffer.from('hello, not a PNG').toString('base64')] }), 400, /row 0: /],
      ['a wrong shape', () => json({ inputs: [[[0.5, 0.5]]] }), 400, /row 0: an image array must have shape \[28, \d+, 1\]/],
      ['an unknown column', () => json({ dataframe_records: [{ picture: good }] }), 400, /row 0: unknown column 'picture'/],
      ['too many rows', () => json({ inputs: Array(9).fill(good) }), 400, /9 rows in one request, more than the server's limit of 8/],
      ['a text field in a multipart upload', () => post(textField), 400, /not (a file|accepted)/],
      ['a non-image CSV', () => post('a,b\n1,2\n', 'text/csv'), 400, /unknown columns 'a', 'b'/],
      ['a bad param', () => json({ inputs: [good], params: { top_k: 'x' } }), 400, /top_k must be a whole number/],
      ['an unsupported content type', () => post('<x/>', 'application/xml'), 415, /unsupported content type: application\/xml/],
      ['a body over the limit', () => json({ inputs: ['A'.repeat(1_200_000)] }), 413, /larger than the server's limit/],
      ['an unknown route', () => fetch(`${base}/predict`, { method: 'POST' }), 404, /no endpoint POST \/predict/],
    ];
    const kinds400 = cases.filter((c) => c[2] === 400).length;
    expect(kinds400).toBeGreaterThanOrEqual(8);
    for (const [what, send, status, reason] of cases) {
      const res = await send();
      const body = (await res.json()) as { error_code: string; message: string };
      expect(res.status, `${what}: ${body.message}`).toBe(status);
      expect(body.message, what).toMatch(reason);
    }
    const res = await json({ inputs: pngs.map(b64) });
    expect(res.status).toBe(200);
    expectSameAsPredict(((await res.json()) as { predictions: Answer[] }).predictions);
  });

  it('stops on SIGTERM after answering, exit code 0', async () => {
    serve.child.kill('SIGTERM');
    const done = await serve.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/SIGTERM: finishing the requests in flight/);
    expect(done.stderr).toMatch(/stopped after \d+ rows in \d+ model calls/);
    expect(done.stderr).not.toMatch(/internal error/);
  });
});

describe('xp serve runs:/<run-id> (a table model) against a real MLflow server', () => {
  let serve: ReturnType<typeof startXp> | undefined;
  let base = '';
  let rows: Record<string, unknown>[] = [];
  let expected: Answer[] = [];
  let csvBody = '';
  let rowsFile = '';

  beforeAll(async () => {
    const run = await xp(['run', 'experiments/penguins/01-mlp.yaml', '--set', 'training.epochs=3'], env);
    if (run.code !== 0) throw new Error(`xp run failed (${run.code}):\n${run.stderr}`);
    const model = `runs:/${runIdFromUrl(run.stdout)}`;
    const all = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/vega-datasets/data/penguins.json'), 'utf8')) as Record<string, unknown>[];
    rows = [0, 3, 50, 160, 220, 300, 343].map((i) => all[i]);
    rowsFile = path.join(tmp, 'penguins.jsonl');
    fs.writeFileSync(rowsFile, rows.map((r) => JSON.stringify(r)).join('\n'));
    const pred = await xp(['predict', model, rowsFile, '--top-k', '2'], env);
    if (pred.code !== 0) throw new Error(`xp predict failed (${pred.code}):\n${pred.stderr}`);
    expected = jsonl(pred.stdout);
    const columns = Object.keys(rows[0]);
    csvBody = [columns.join(','), ...rows.map((r) => columns.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))].join('\n') + '\n';
    ({ proc: serve, url: base } = await startServe(model));
  }, 300_000);

  afterAll(() => stopServe(serve));

  const post = (body: string, type: string) => fetch(`${base}/invocations`, { method: 'POST', body, headers: { 'content-type': type } });

  it('answers rows (records, split frame, columnar inputs, CSV) with the predictions xp predict gives', async () => {
    const columns = Object.keys(rows[0]);
    const bodies: [string, string][] = [
      [JSON.stringify({ dataframe_records: rows, params: { top_k: 2 } }), 'application/json'],
      [JSON.stringify({ dataframe_split: { columns, data: rows.map((r) => columns.map((c) => r[c])) }, params: { top_k: 2 } }), 'application/json'],
      [JSON.stringify({ inputs: Object.fromEntries(columns.map((c) => [c, rows.map((r) => r[c])])), params: { top_k: 2 } }), 'application/json'],
    ];
    for (const [body, type] of bodies) {
      const res = await post(body, type);
      expect(res.status, await res.clone().text()).toBe(200);
      const { predictions } = (await res.json()) as { predictions: Answer[] };
      expect(predictions.map((p) => p.prediction)).toEqual(expected.map((e) => e.prediction));
      predictions.forEach((p, i) => {
        expect(p.probability).toBeCloseTo(expected[i].probability!, 5);
        expect((p.top_k as { label: string }[]).map((t) => t.label)).toEqual((expected[i].top_k as { label: string }[]).map((t) => t.label));
      });
    }
    const res = await post(csvBody, 'text/csv');
    expect(res.status, await res.clone().text()).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Answer[] };
    expect(predictions.map((p) => p.prediction)).toEqual(expected.map((e) => e.prediction));
  });

  it("MLflow's own scoring client (a pandas frame with missing values as NaN) gets the same predictions", async () => {
    const python = path.join(mlflowVenvDir(), 'bin', 'python');
    const script = path.join(root, 'test/e2e/python/score_with_mlflow_client.py');
    const out = execFileSync(python, [script, base, rowsFile], { encoding: 'utf8', timeout: 120_000 });
    const { version, predictions } = JSON.parse(out) as { version: string; predictions: Answer[] };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(rows.some((r) => Object.values(r).includes(null))).toBe(true); // NaN cells were sent
    expect(predictions.map((p) => p.prediction)).toEqual(expected.map((e) => e.prediction));
    predictions.forEach((p, i) => expect(p.probability).toBeCloseTo(expected[i].probability!, 5));
  });

  it('answers a row with an unknown or a missing column, and image uploads, with a 400 and the reason', async () => {
    const { Island: _island, ...noIsland } = rows[0];
    const cases: [string, () => Promise<Response>, RegExp][] = [
      ['an unknown column', () => post(JSON.stringify({ dataframe_records: [{ ...rows[0], Wings: 2 }] }), 'application/json'), /row 0: unknown column 'Wings'/],
      ['a missing column', () => post(JSON.stringify({ dataframe_records: [noIsland] }), 'application/json'), /row 0: .*has no column 'Island'/],
      ['an image upload', () => fetch(`${base}/invocations`, { method: 'POST', body: (() => { const f = new FormData(); f.append('f', new Blob(['x']), 'a.png'); return f; })() }), /takes table rows, not uploaded files/],
      ['a nested value', () => post(JSON.stringify({ dataframe_records: [{ ...rows[0], Island: { name: 'Biscoe' } }] }), 'application/json'), /column 'Island' must be a number, a string or null/],
    ];
    for (const [what, send, reason] of cases) {
      const res = await send();
      const body = (await res.json()) as { message: string };
      expect(res.status, `${what}: ${body.message}`).toBe(400);
      expect(body.message, what).toMatch(reason);
    }
    expect((await post(JSON.stringify({ dataframe_records: rows.slice(0, 1) }), 'application/json')).status).toBe(200);
  });
});
