import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MicroBatcher } from './micro-batcher.js';
import { buildScoringServer, type ScoreJob, type ScoringModel } from './scoring-server.js';

/** A fake image model: "predicts" the text of each image's bytes (or the sum of a tensor); bytes `BAD` are unreadable. */
class FakeImageModel implements ScoringModel {
  readonly input = { kind: 'image', column: 'image', shape: [1, 2, 1] } as const;
  calls: number[] = [];
  async score(jobs: ScoreJob[]) {
    this.calls.push(jobs.length);
    await new Promise((r) => setTimeout(r, 5));
    return jobs.map(({ item, topK }) => {
      if (item.kind === 'image' && item.bytes.toString() === 'BAD') throw new FakeInputError(`${item.where}: not an image`);
      const prediction = item.kind === 'image' ? item.bytes.toString() : item.kind === 'tensor' ? Array.from(item.values).reduce((a, b) => a + b, 0) : '?';
      return { prediction, ...(topK > 1 ? { top_k: topK } : {}) };
    });
  }
  userError(e: unknown) {
    return e instanceof FakeInputError ? e.message : undefined;
  }
}
class FakeInputError extends Error {}

const b64 = (s: string) => Buffer.from(s).toString('base64');

let app: FastifyInstance;
let batcher: MicroBatcher<ScoreJob, unknown>;
let base: string;
const model = new FakeImageModel();

beforeAll(async () => {
  ({ app, batcher } = await buildScoringServer(model, { batching: { maxBatch: 16, maxWaitMs: 20 }, maxRows: 8, bodyLimit: 4096, version: '9.9.9', topK: 1 }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => app.close());

const post = (body: BodyInit, type?: string) => fetch(`${base}/invocations`, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
const json = (v: unknown) => post(JSON.stringify(v), 'application/json');

describe('scoring server (fake model)', () => {
  it('answers /ping, /health and /version', async () => {
    for (const p of ['/ping', '/health']) expect((await fetch(base + p)).status).toBe(200);
    expect(await (await fetch(`${base}/version`)).text()).toBe('9.9.9');
  });

  it('scores JSON requests and answers {predictions} in input order', async () => {
    const res = await json({ dataframe_records: [{ image: b64('one') }, { image: b64('two') }], params: { top_k: 2 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ predictions: [{ prediction: 'one', top_k: 2 }, { prediction: 'two', top_k: 2 }] });
    const t = await json({ inputs: [[[[1], [2]]]] });
    expect(await t.json()).toEqual({ predictions: [{ prediction: 3 }] });
  });

  it('scores a multipart upload of image files, one prediction per file', async () => {
    const form = new FormData();
    form.append('a', new Blob(['first']), 'a.png');
    form.append('b', new Blob(['second']), 'b.png');
    const res = await post(form);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ predictions: [{ prediction: 'first' }, { prediction: 'second' }] });
    form.append('params', '{"top_k": 2}');
    const withParams = await post(form);
    expect(await withParams.json()).toEqual({ predictions: [{ prediction: 'first', top_k: 2 }, { prediction: 'second', top_k: 2 }] });
  });

  it('batches concurrent requests into fewer model calls, each answered with its own rows', async () => {
    model.calls = [];
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => json({ inputs: [b64(`r${i}`)] })));
    const answers = await Promise.all(responses.map((r) => r.json()));
    expect(answers).toEqual(Array.from({ length: 6 }, (_, i) => ({ predictions: [{ prediction: `r${i}` }] })));
    const rows = responses.map((r) => Number(r.headers.get('x-xp-batch-rows')));
    expect(Math.max(...rows)).toBeGreaterThan(1);
    expect(Math.max(...rows)).toBeLessThanOrEqual(6);
    expect(model.calls.length).toBeLessThan(6);
    expect(model.calls.reduce((a, b) => a + b, 0)).toBe(6);
    expect(batcher.stats.largest).toBeGreaterThan(1);
  });

  const manyFiles = () => {
    const form = new FormData();
    for (let i = 0; i < 9; i++) form.append('f', new Blob(['x']), `${i}.png`);
    return form;
  };
  const textField = (name = 'note', value = 'hello') => {
    const form = new FormData();
    form.append('f', new Blob(['x']), 'x.png');
    form.append(name, value);
    return form;
  };

  it.each([
    ['malformed JSON', () => post('{"inputs": [', 'application/json'), 400, /the body is not valid JSON: .*(end|position)/i],
    ['NaN in an image array (read, then refused)', () => post('{"inputs": [[[[NaN], [1]]]]}', 'application/json'), 400, /row 0: the array holds number NaN at \[0, 0, 0\], not a finite number/],
    ['a __proto__ key with NaN', () => post('{"inputs": [NaN], "__proto__": {}}', 'application/json'), 400, /not valid JSON/],
    ['a __proto__ key', () => post('{"inputs": ["QQ=="], "__proto__": {"x": 1}}', 'application/json'), 400, /not valid JSON: .*prototype/i],
    ['an empty JSON body', () => post('', 'application/json'), 400, /no body/],
    ['no body at all', () => fetch(`${base}/invocations`, { method: 'POST' }), 400, /no body/],
    ['an unsupported content type', () => post('x', 'application/xml'), 415, /unsupported content type: application\/xml.*application\/json, text\/csv or multipart/],
    ['plain text', () => post('{"inputs": []}', 'text/plain'), 415, /unsupported content type: text\/plain/],
    ['a JSON null', () => post('null', 'application/json'), 400, /must be a JSON object with exactly one of .* got null/],
    ['bad base64', () => json({ inputs: ['%%%'] }), 400, /row 0: the image is not valid base64/],
    ['a wrong shape', () => json({ inputs: [[[1, 2, 3]]] }), 400, /must have shape \[1, 2, 1\]/],
    ['an unknown column', () => json({ dataframe_records: [{ img: b64('x') }] }), 400, /unknown column 'img'/],
    ['too many rows', () => json({ inputs: Array(9).fill(b64('x')) }), 400, /9 rows in one request, more than the server's limit of 8/],
    ['too many files', () => post(manyFiles()), 400, /more than 8 files in one request/],
    ['a text field in a multipart upload', () => post(textField()), 400, /multipart field 'note' is not a file/],
    ['bad params in a multipart upload', () => post(textField('params', '{"top_k": "all"}')), 400, /params.top_k must be a whole number/],
    ['params that are not JSON in a multipart upload', () => post(textField('params', 'top_k=2')), 400, /the params field is not valid JSON/],
    ['a body over the size limit', () => json({ inputs: ['A'.repeat(5000)] }), 413, /larger than the server's limit of 4096 bytes/],
    ['an image the model cannot read', () => json({ inputs: [b64('BAD')] }), 400, /row 0: not an image/],
    ['a CSV for an image model without the image column', () => post('x,y\n1,2\n', 'text/csv'), 400, /unknown columns 'x', 'y'/],
  ])('refuses %s with a reason (and keeps serving)', async (_what, send, status, message) => {
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error_code: string; message: string };
    expect(body.message).toMatch(message);
    expect(body.error_code).toBe(status === 413 ? 'REQUEST_LIMIT_EXCEEDED' : 'BAD_REQUEST');
    if (status === 400) expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await json({ inputs: [b64('ok')] })).status).toBe(200);
  });

  it('answers odd bodies with a 4xx and a message, never a 5xx', async () => {
    const bodies = [
      '[]', '1', '"x"', 'true', '{}', '{"inputs": {}}', '{"inputs": [null]}', '{"inputs": [{}]}', '{"instances": [{"b64": 1}]}',
      '{"dataframe_split": {"data": [1]}}', '{"dataframe_split": {"columns": [1], "data": [[1]]}}', '{"dataframe_split": {"columns": "image", "data": []}}',
      '{"inputs": {"image": "x"}}', '{"inputs": [[[[1], [2]]], 5]}', '{"params": 1, "inputs": ["QQ=="]}', '{"params": {"top_k": 1e400}, "inputs": ["QQ=="]}',
      `{"inputs": [${'['.repeat(20_000)}${']'.repeat(20_000)}]}`, '{"inputs": ["\\ud800"]}', '{"inputs": [-Infinity]}', '{"inputs": [NaN]}', '\u0000',
    ];
    for (const body of bodies) {
      const res = await post(body, 'application/json');
      expect(res.status, body.slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(res.status, body.slice(0, 60)).toBeLessThan(500);
      expect(((await res.json()) as { message: string }).message.length, body.slice(0, 60)).toBeGreaterThan(10);
    }
  });

  it('a bad request batched with good ones fails alone', async () => {
    const [good1, bad, good2] = await Promise.all([json({ inputs: [b64('g1')] }), json({ inputs: [b64('BAD')] }), json({ inputs: [b64('g2')] })]);
    expect([good1.status, bad.status, good2.status]).toEqual([200, 400, 200]);
    expect(await good2.json()).toEqual({ predictions: [{ prediction: 'g2' }] });
  });

  it('answers 404 for unknown routes', async () => {
    const res = await fetch(`${base}/predict`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/POST \/invocations/);
  });
});

describe('scoring server shutdown', () => {
  it('answers a request in flight when it is closed, then refuses connections', async () => {
    const slow = new FakeImageModel();
    const score = slow.score.bind(slow);
    slow.score = async (jobs) => {
      await new Promise((r) => setTimeout(r, 300));
      return score(jobs);
    };
    const { app: srv } = await buildScoringServer(slow, { batching: { maxBatch: 4, maxWaitMs: 0 }, maxRows: 4, bodyLimit: 4096, version: '1', topK: 1 });
    await srv.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(srv.server.address() as AddressInfo).port}`;
    const inFlight = fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [b64('late')] }) });
    await new Promise((r) => setTimeout(r, 100));
    expect(slow.calls).toEqual([]); // still scoring: the model answers after 300 ms
    const closed = srv.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ predictions: [{ prediction: 'late' }] });
    await closed;
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
  });
});
