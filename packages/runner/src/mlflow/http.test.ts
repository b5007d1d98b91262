import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MlflowApiError, MlflowConnectionError } from './errors.js';
import { createMlflowHttp, parseRetryAfter, retryDelayMs } from './http.js';
import { findFreePort } from './local-server.js';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

// A stub MLflow: answers the scripted replies in order (the last one repeats) and records each request.
async function stub(replies: Reply[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const reply = replies[Math.min(seen.length - 1, replies.length - 1)];
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, seen };
}
const servers: http.Server[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
  for (const close of closers.splice(0)) close();
});

const fast = { backoffFactorMs: 1, backoffJitterMs: 1, env: {} };

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection<E = MlflowApiError & MlflowConnectionError>(p: Promise<unknown>): Promise<E> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as E,
  );
}

describe('createMlflowHttp retries', () => {
  it('retries 503 twice, then succeeds: 3 calls', async () => {
    const s = await stub([{ status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' } }, { status: 503 }, { status: 200, body: { ok: 1 } }]);
    const retries: string[] = [];
    const h = createMlflowHttp({ baseUrl: s.url, ...fast, onRetry: (i) => retries.push(i.reason) });
    await expect(h.request({ method: 'POST', path: '/api/2.0/mlflow/runs/log-batch', json: { run_id: 'r' } })).resolves.toEqual({ ok: 1 });
    expect(s.seen).toHaveLength(3);
    expect(retries).toEqual(['HTTP 503', 'HTTP 503']);
    expect(JSON.parse(s.seen[2].body)).toEqual({ run_id: 'r' });
  });

  it('retries a reset kept-alive connection at once, not after the backoff', async () => {
    // Answers the first request of each connection and keeps it open; resets the connection on the next one,
    // as a server does that closed an idle kept-alive connection before the client wrote to it.
    const served: string[] = [];
    const server = net.createServer((sock) => {
      let requests = 0;
      sock.on('data', (chunk) => {
        if (++requests > 1) return sock.resetAndDestroy();
        served.push(chunk.toString().split(' ')[1]);
        sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const retries: { reason: string; delayMs: number }[] = [];
    // A backoff longer than the test's timeout: only an immediate retry lets the second request through.
    const h = createMlflowHttp({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, env: {}, backoffFactorMs: 60_000, backoffJitterMs: 1_000,
      onRetry: (i) => retries.push({ reason: i.reason, delayMs: i.delayMs }),
    });
    await h.request({ method: 'GET', path: '/first' });
    await expect(h.request({ method: 'GET', path: '/second' })).resolves.toEqual({});
    expect(served).toEqual(['/first', '/second']);
    expect(retries).toEqual([{ reason: 'ECONNRESET', delayMs: 0 }]);
  });

  it('backs off from the second reset on', async () => {
    const server = net.createServer((sock) => sock.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const delays: number[] = [];
    const h = createMlflowHttp({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, env: {}, backoffFactorMs: 5, backoffJitterMs: 1, maxRetries: 2,
      onRetry: (i) => delays.push(i.delayMs),
    });
    const e = await rejection<MlflowConnectionError>(h.request({ method: 'GET', path: '/x' }));
    expect(e).toBeInstanceOf(MlflowConnectionError);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBe(0);
    expect(delays[1]).toBeGreaterThanOrEqual(10);
  });

  it.each([429, 500, 502, 504])('retries %i', async (status) => {
    const s = await stub([{ status }, { status: 200, body: {} }]);
    await createMlflowHttp({ baseUrl: s.url, ...fast }).request({ method: 'GET', path: '/x' });
    expect(s.seen).toHaveLength(2);
  });

  it('never retries 400 and maps {error_code, message} to MlflowApiError', async () => {
    const s = await stub([{ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Changing param values is not allowed' } }]);
    const err = await rejection(createMlflowHttp({ baseUrl: s.url, ...fast }).request({ method: 'POST', path: '/api/2.0/mlflow/runs/log-batch', json: {} }));
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE', code: 'XP_MLFLOW_API_ERROR', endpoint: 'POST /api/2.0/mlflow/runs/log-batch' });
    expect(err.message).toContain('Changing param values is not allowed');
    expect(s.seen).toHaveLength(1);
  });

  it('never retries 404; RESOURCE_DOES_NOT_EXIST becomes errorCode', async () => {
    const s = await stub([{ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'x' not found" } }]);
    const err = await rejection(createMlflowHttp({ baseUrl: s.url, ...fast }).request({ method: 'GET', path: '/api/2.0/mlflow/runs/get', params: { run_id: 'x' } }));
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err.status).toBe(404);
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0].url).toBe('/api/2.0/mlflow/runs/get?run_id=x');
  });

  it('gives up after maxRetries with the last status', async () => {
    const s = await stub([{ status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' } }]);
    const err = await rejection(createMlflowHttp({ baseUrl: s.url, ...fast, maxRetries: 2 }).request({ method: 'GET', path: '/x' }));
    expect(err).toMatchObject({ status: 503, errorCode: 'TEMPORARILY_UNAVAILABLE' });
    expect(s.seen).toHaveLength(3);
  });

  it('honours Retry-After over the backoff', async () => {
    const s = await stub([{ status: 429, headers: { 'Retry-After': '0.2' } }, { status: 200, body: {} }]);
    const delays: number[] = [];
    const t0 = Date.now();
    await createMlflowHttp({ baseUrl: s.url, ...fast, onRetry: (i) => delays.push(i.delayMs) }).request({ method: 'GET', path: '/x' });
    expect(delays[0]).toBeGreaterThanOrEqual(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('turns connection refused into MlflowConnectionError after all retries', async () => {
    const port = await findFreePort(); // nothing listens there
    const retries: string[] = [];
    const h = createMlflowHttp({ baseUrl: `http://127.0.0.1:${port}`, ...fast, maxRetries: 3, onRetry: (i) => retries.push(i.reason) });
    const err = await rejection(h.request({ method: 'GET', path: '/api/2.0/mlflow/experiments/get' }));
    expect(err).toBeInstanceOf(MlflowConnectionError);
    expect(err).toMatchObject({ code: 'XP_MLFLOW_CONNECTION_ERROR', reason: 'ECONNREFUSED', attempts: 4, uri: `http://127.0.0.1:${port}` });
    expect(err.message).toMatch(/is the server running\? set MLFLOW_TRACKING_URI or run `npx xp server`/);
    expect(retries).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('retries a timeout and names MLFLOW_HTTP_REQUEST_TIMEOUT when it persists', async () => {
    const s = await stub(['hang']);
    const h = createMlflowHttp({ baseUrl: s.url, ...fast, maxRetries: 1, timeoutMs: 150 });
    const err = await rejection(h.request({ method: 'GET', path: '/x' }));
    expect(err).toBeInstanceOf(MlflowConnectionError);
    expect(err.attempts).toBe(2);
    expect(err.message).toMatch(/timed out after 150 ms; raise MLFLOW_HTTP_REQUEST_TIMEOUT/);
    expect(s.seen).toHaveLength(2);
  });

  it('reads defaults from MLFLOW_HTTP_REQUEST_* and rejects bad values by name', async () => {
    const s = await stub([{ status: 503 }]);
    const env = { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0' };
    await createMlflowHttp({ baseUrl: s.url, env }).request({ method: 'GET', path: '/x' }).catch(() => undefined);
    expect(s.seen).toHaveLength(2);
    expect(() => createMlflowHttp({ baseUrl: s.url, env: { MLFLOW_HTTP_REQUEST_TIMEOUT: 'soon' } })).toThrow(/MLFLOW_HTTP_REQUEST_TIMEOUT="soon"/);
  });
});

describe('credentials', () => {
  it('reads the environment on every request: basic auth first, else bearer; none in errors', async () => {
    const s = await stub([{ status: 200, body: {} }, { status: 200, body: {} }, { status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'no' } }]);
    const env: NodeJS.ProcessEnv = { MLFLOW_TRACKING_TOKEN: 's3cret-token' };
    const h = createMlflowHttp({ baseUrl: s.url, ...fast, env });
    await h.request({ method: 'GET', path: '/a' });
    Object.assign(env, { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw' });
    await h.request({ method: 'GET', path: '/b' });
    const err = await rejection(h.request({ method: 'GET', path: '/c' }));
    expect(s.seen.map((r) => r.authorization)).toEqual(['Bearer s3cret-token', `Basic ${Buffer.from('ann:pw').toString('base64')}`, `Basic ${Buffer.from('ann:pw').toString('base64')}`]);
    expect(JSON.stringify(err) + String(err.stack) + String(err.cause)).not.toMatch(/s3cret|YW5uOnB3/);
  });
});

describe('backoff', () => {
  it('grows exponentially, adds jitter, caps, and prefers Retry-After', () => {
    const p = { backoffFactorMs: 100, backoffJitterMs: 0, maxBackoffMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, p))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelayMs(1, p, 300)).toBe(300);
    const j = retryDelayMs(1, { ...p, backoffJitterMs: 50 });
    expect(j).toBeGreaterThanOrEqual(100);
    expect(j).toBeLessThan(150);
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
