// HTTP layer of the MLflow client: one axios instance, credentials read per request, transient-only
// retries, and MLflow's `{error_code, message}` mapped to MlflowApiError.
//
// The retry loop is hand-written rather than axios-retry: it is ~40 lines, it must turn exhausted
// transport failures into MlflowConnectionError (axios-retry rethrows the axios error, whose config holds
// the Authorization header), re-create streamed upload bodies on each attempt, and honour Retry-After in
// both its forms; and it keeps @xp/runner free of one more dependency. The policy follows MLflow's own
// `http_request` (mlflow/utils/rest_utils.py): only transport errors and 408/429/500/502/503/504 are
// retried, with exponential backoff and jitter; 400/404 and every other status fail at once.
import https from 'node:https';
import axios, { type AxiosInstance, type RawAxiosRequestHeaders } from 'axios';
import { MlflowApiError, MlflowConnectionError, MlflowInvalidInputError } from './errors.js';

/** Statuses worth retrying (MLflow's `_TRANSIENT_FAILURE_RESPONSE_CODES`). */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
// Transport failures that will not heal by waiting (a misspelt host, a malformed URL): fail at once.
const PERMANENT_TRANSPORT_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL', 'ERR_BAD_OPTION_VALUE', 'ERR_BAD_OPTION']);
/** What writing to a kept-alive connection the server has already closed fails with. */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** Basic-auth or bearer-token credentials. */
export type MlflowCredentials = { username: string; password: string } | { token: string };

/** Options of {@link createMlflowHttp}; each default is read from `env` as MLflow's client reads it. */
export interface MlflowHttpOptions {
  /** Server URL, e.g. `http://127.0.0.1:5000`; a path prefix (reverse proxy) is kept. */
  baseUrl: string;
  /** Per-request timeout. Defaults to MLFLOW_HTTP_REQUEST_TIMEOUT seconds, else 120 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Defaults to MLFLOW_HTTP_REQUEST_MAX_RETRIES, else 5. */
  maxRetries?: number;
  /** Retry n waits `backoffFactorMs * 2^(n-1)`. Defaults to MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR seconds, else 2 s. */
  backoffFactorMs?: number;
  /** Up to this much random delay is added to each wait. Defaults to MLFLOW_HTTP_REQUEST_BACKOFF_JITTER seconds, else 1 s. */
  backoffJitterMs?: number;
  /** Cap on one wait, Retry-After included. Defaults to 120 s (urllib3's cap). */
  maxBackoffMs?: number;
  /** Called before every request, so rotated tokens are picked up. Defaults to {@link credentialsFromEnv}. */
  credentials?: () => MlflowCredentials | undefined;
  /** Environment to read defaults and credentials from. Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Observes retries (for logs); never sees credentials. */
  onRetry?: (info: { endpoint: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** One request. `json` is sent as application/json; `body` as raw bytes (a factory is called per attempt). */
export interface MlflowRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, e.g. `/api/2.0/mlflow/runs/get`. */
  path: string;
  params?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: Buffer | (() => NodeJS.ReadableStream | Buffer);
  /** Length of a streamed `body`. */
  contentLength?: number;
  /** How to decode a 2xx body. Defaults to `json` (an empty body gives `{}`). */
  responseType?: 'json' | 'text' | 'buffer';
  /** Overrides the client's retries for this request (0 for probes such as /health). */
  maxRetries?: number;
  timeoutMs?: number;
}

/** A configured transport for one MLflow server. */
export interface MlflowHttp {
  readonly baseUrl: string;
  /** The underlying instance (no auth in its defaults; auth is added per request). */
  readonly axios: AxiosInstance;
  request<T = unknown>(req: MlflowRequest): Promise<T>;
}

/** MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (basic, preferred as in MLflow) or MLFLOW_TRACKING_TOKEN. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): MlflowCredentials | undefined {
  const { MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password, MLFLOW_TRACKING_TOKEN: token } = env;
  if (username && password) return { username, password };
  if (token) return { token };
  return undefined;
}

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, scale: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new MlflowInvalidInputError(`${name}=${JSON.stringify(raw)} is not a non-negative number; unset it or give e.g. ${fallback / scale}`);
  }
  return n * scale;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Wait before retry `attempt` (1-based): Retry-After when the server sent one, else jittered exponential backoff. */
export function retryDelayMs(
  attempt: number,
  policy: { backoffFactorMs: number; backoffJitterMs: number; maxBackoffMs: number },
  retryAfterMs?: number,
): number {
  const base = retryAfterMs ?? policy.backoffFactorMs * 2 ** (attempt - 1);
  return Math.min(policy.maxBackoffMs, base + Math.random() * policy.backoffJitterMs);
}

function errorBody(data: unknown): { error_code?: string; message?: string } {
  try {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data ?? '');
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return parsed as { error_code?: string; message?: string };
    return { message: text.slice(0, 500) };
  } catch {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data ?? '');
    return { message: text.trim().slice(0, 500) };
  }
}

function decode(data: Buffer, type: MlflowRequest['responseType']): unknown {
  if (type === 'buffer') return data;
  const text = data.toString('utf8');
  if (type === 'text') return text;
  return text.trim() === '' ? {} : JSON.parse(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the transport for one server. */
export function createMlflowHttp(opts: MlflowHttpOptions): MlflowHttp {
  const env = opts.env ?? process.env;
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? envNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', 120_000, 1000);
  const maxRetries = opts.maxRetries ?? Math.floor(envNumber(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', 5, 1));
  const policy = {
    backoffFactorMs: opts.backoffFactorMs ?? envNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', 2000, 1000),
    backoffJitterMs: opts.backoffJitterMs ?? envNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', 1000, 1000),
    maxBackoffMs: opts.maxBackoffMs ?? 120_000,
  };
  const credentials = opts.credentials ?? (() => credentialsFromEnv(env));
  const insecure = /^(1|true|yes)$/i.test(env.MLFLOW_TRACKING_INSECURE_TLS ?? '');
  const instance = axios.create({
    baseURL: baseUrl,
    timeout: timeoutMs,
    responseType: 'arraybuffer', // decoded here, so error bodies of downloads are readable too
    validateStatus: () => true, // statuses are mapped below, not thrown by axios
    maxBodyLength: Infinity, // artifacts may exceed follow-redirects' 10 MB default
    maxContentLength: Infinity,
    transitional: { clarifyTimeoutError: true }, // timeouts surface as ETIMEDOUT, not ECONNABORTED
    headers: { 'User-Agent': 'xp-mlflow-client' },
    ...(insecure ? { httpsAgent: new https.Agent({ rejectUnauthorized: false }) } : {}),
  });

  async function request<T>(req: MlflowRequest): Promise<T> {
    const endpoint = `${req.method} ${req.path}`;
    const retries = req.maxRetries ?? maxRetries;
    const timeout = req.timeoutMs ?? timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const headers: RawAxiosRequestHeaders = {};
      const creds = credentials();
      if (creds && 'token' in creds) headers.Authorization = `Bearer ${creds.token}`;
      else if (creds) headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      let data: unknown;
      if (req.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        data = JSON.stringify(req.json);
      } else if (req.body !== undefined) {
        headers['Content-Type'] = 'application/octet-stream';
        if (req.contentLength !== undefined) headers['Content-Length'] = req.contentLength;
        data = typeof req.body === 'function' ? req.body() : req.body;
      }
      let retryReason: string;
      let retryAfterMs: number | undefined;
      let staleConnection = false;
      try {
        const res = await instance.request({ method: req.method, url: req.path, params: req.params, data, headers, timeout });
        const body = Buffer.isBuffer(res.data) ? res.data : Buffer.from(res.data ?? '');
        if (res.status >= 200 && res.status < 300) return decode(body, req.responseType) as T;
        if (!TRANSIENT_STATUSES.has(res.status) || attempt >= retries) {
          const err = errorBody(body);
          throw new MlflowApiError({ status: res.status, errorCode: err.error_code, message: err.message, endpoint });
        }
        retryReason = `HTTP ${res.status}`;
        const ra = res.headers['retry-after'];
        retryAfterMs = parseRetryAfter(typeof ra === 'string' ? ra : undefined);
      } catch (e) {
        if (!axios.isAxiosError(e)) throw e;
        const reason = e.code ?? 'ERR_NETWORK';
        const timedOut = reason === 'ETIMEDOUT' || reason === 'ECONNABORTED';
        if (PERMANENT_TRANSPORT_CODES.has(reason) || attempt >= retries) {
          throw new MlflowConnectionError({
            uri: baseUrl,
            endpoint,
            reason,
            detail: `${reason}${e.message && !e.message.includes(reason) ? ` ${e.message}` : ''}`,
            attempts: attempt + 1,
            timeoutMs: timedOut ? timeout : undefined,
          });
        }
        retryReason = reason;
        // A first reset is most often a kept-alive connection the server closed while this process was busy
        // (a training step blocks the event loop, so the close is only seen when the request is written):
        // the request never reached the server, and a new connection succeeds at once. Later resets back off.
        staleConnection = attempt === 0 && STALE_CONNECTION_CODES.has(reason);
      }
      const delayMs = staleConnection ? 0 : retryDelayMs(attempt + 1, policy, retryAfterMs);
      opts.onRetry?.({ endpoint, attempt: attempt + 1, delayMs, reason: retryReason });
      await sleep(delayMs);
    }
  }

  return { baseUrl, axios: instance, request };
}
