// `xp serve <model> [--port P] [--host H]`: loads a trained model (any reference `xp predict` takes) and answers
// MLflow's scoring protocol over HTTP until SIGINT/SIGTERM, then stops taking requests, answers those in flight
// and exits 0. Binds to loopback unless --host says otherwise.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { XpError } from '@xp/core';
import { loadPredictor } from '../model-use/index.js';
import { trackingTarget } from '../run/tracking-target.js';
import { PredictorModel } from '../serve/predictor-model.js';
import { buildScoringServer } from '../serve/scoring-server.js';

const XP_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The port `xp serve` listens on by default (MLflow's `models serve` takes 5000, which its tracking server often has). */
export const DEFAULT_SERVE_PORT = 5001;

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Rows per model call at most; 1 (or `batching: false`) scores each request alone. */
  maxBatch?: number;
  /** How long a request may wait for others to share its model call. */
  maxWaitMs?: number;
  /** false: no merging of requests (`--no-batching`). */
  batching?: boolean;
  maxRows?: number;
  maxBodyMb?: number;
  topK?: number;
  log?: (msg: string) => void;
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new XpError('XP_CONFIG_OPTION', `--${name} must be a whole number ≥ ${min}, got ${v}`);
  return v;
}

/** Runs the server until a signal; resolves once it has shut down. */
export async function serveCommand(ref: string, opts: ServeOptions = {}): Promise<void> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const port = positiveInt('port', opts.port, DEFAULT_SERVE_PORT, 0);
  if (port > 65535) throw new XpError('XP_CONFIG_OPTION', `--port must be at most 65535, got ${port}`);
  const maxBatch = opts.batching === false ? 1 : positiveInt('max-batch', opts.maxBatch, 32);
  // No wait by default: requests that come while the model is busy, or in the same event-loop turn, share the
  // next call anyway, and bench/serve-latency.mjs measured a 5 ms wait only adding latency at low concurrency.
  const maxWaitMs = opts.batching === false ? 0 : positiveInt('max-wait-ms', opts.maxWaitMs, 0, 0);
  const maxRows = positiveInt('max-rows', opts.maxRows, 1024);
  const bodyLimit = Math.round(positiveInt('max-body-mb', opts.maxBodyMb, 32) * 1024 * 1024);
  const topK = positiveInt('top-k', opts.topK, 1);
  const host = opts.host ?? '127.0.0.1';

  const predictor = await loadPredictor(ref, { trackingUri: async () => (await trackingTarget(log)).url, log });
  const model = new PredictorModel(predictor);
  const { app, batcher } = await buildScoringServer(model, { batching: { maxBatch, maxWaitMs }, maxRows, bodyLimit, version: XP_VERSION, topK });
  try {
    await app.listen({ port, host });
  } catch (e) {
    model.dispose();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new XpError('XP_SERVE_PORT', `port ${port} on ${host} is in use: pick another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new XpError('XP_SERVE_HOST', `cannot bind to --host ${host}: not an address of this machine`);
    throw e;
  }
  const addr = app.server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const info = predictor.info;
  log(`xp serve: ${info.ref}${info.modelId ? ` (${info.modelId})` : ''}, a ${info.task} model taking ${info.input.kind === 'image' ? `images [${info.input.shape.join(', ')}]` : `rows of ${info.input.columns.length} columns`}`);
  const batching = maxBatch > 1 ? `requests waiting share a model call of up to ${maxBatch} rows${maxWaitMs ? ` (each waits up to ${maxWaitMs} ms for company)` : ''}` : 'no batching';
  log(`xp serve: ${batching}; at most ${maxRows} rows and ${bodyLimit} bytes per request`);
  log(`xp serve: listening on http://${shown}:${addr.port} (POST /invocations; Ctrl-C stops)`);
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) log(`xp serve: --host ${host} accepts requests from other machines; there is no authentication`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`xp serve: ${signal} again, exiting now`);
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
      stopping = true;
      log(`xp serve: ${signal}: finishing the requests in flight, then stopping`);
      void app
        .close()
        .then(() => batcher.drained())
        .finally(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          model.dispose();
          log(`xp serve: stopped after ${batcher.stats.rows} rows in ${batcher.stats.calls} model calls`);
          resolve();
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
