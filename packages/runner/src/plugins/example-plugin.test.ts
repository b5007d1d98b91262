// The example plugin (experiments/plugins/webhook/webhook-notify.mjs) against a local webhook: what it sends, and
// that a failing webhook neither stops training nor prints the (secret) URL or token.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Callback } from '../callbacks/callback.js';
import { createCallback, type CallbackDeps } from '../callbacks/registry.js';
import { loadPlugins, type LoadedPlugins } from './load-plugins.js';

const example = fileURLToPath(new URL('../../../../experiments/plugins/webhook/webhook-notify.mjs', import.meta.url));

describe('example plugin webhook_notify', () => {
  const received: { url: string; auth?: string; body: unknown }[] = [];
  let server: http.Server;
  let base: string;
  let plugins: LoadedPlugins;
  const log = vi.fn<(m: string) => void>();
  const deps: CallbackDeps = { runDir: '/runs/r1', totalEpochs: 4, saveCheckpoint: async () => {}, log };
  const make = (o: Record<string, unknown>) => createCallback({ type: 'webhook_notify', token: '', every: 1, timeout_s: 5, ...o } as never, deps, plugins.callbacks);

  beforeAll(async () => {
    plugins = await loadPlugins([example]);
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        received.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(text) });
        res.writeHead(req.url?.includes('fail') ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('posts every `every` epochs and at the end, with the bearer token', async () => {
    received.length = 0;
    const cb: Callback = make({ url: `${base}/hook/s3cret-path`, token: 'tok-123', every: 2 });
    for (let e = 0; e < 4; e++) await cb.onEpochEnd?.(e, { loss: 1 / (e + 1) });
    await cb.onTrainEnd?.({ loss: 0.25 });
    expect(received).toEqual([
      { url: '/hook/s3cret-path', auth: 'Bearer tok-123', body: { event: 'epoch_end', epoch: 1, metrics: { loss: 0.5 } } },
      { url: '/hook/s3cret-path', auth: 'Bearer tok-123', body: { event: 'epoch_end', epoch: 3, metrics: { loss: 0.25 } } },
      { url: '/hook/s3cret-path', auth: 'Bearer tok-123', body: { event: 'train_end', metrics: { loss: 0.25 } } },
    ]);
  });

  it('sends no Authorization header without a token', async () => {
    received.length = 0;
    await make({ url: `${base}/hook` }).onTrainEnd?.({});
    expect(received[0].auth).toBeUndefined();
  });

  it('logs a failing or unreachable webhook and goes on, never showing the URL or token', async () => {
    log.mockClear();
    await make({ url: `${base}/fail/s3cret-path`, token: 'tok-123' }).onTrainEnd?.({});
    await make({ url: 'http://127.0.0.1:9/s3cret-path', token: 'tok-123' }).onTrainEnd?.({});
    const lines = log.mock.calls.map(([m]) => m);
    expect(lines[0]).toBe('webhook_notify: the webhook answered HTTP 500 to train_end; training goes on');
    expect(lines[1]).toMatch(/^webhook_notify: could not post train_end \(\w+\); training goes on$/);
    expect(lines.join('\n')).not.toMatch(/s3cret|tok-123/);
  });
});
