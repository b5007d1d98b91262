// The HTTP side of `xp serve`: MLflow's scoring protocol on fastify. `GET /ping`, `/health` (200 once the model
// is loaded), `/version`, and `POST /invocations` with a JSON body (dataframe_split, dataframe_records, instances,
// inputs), a CSV table, or a multipart upload of image files. Answers `{"predictions": [...]}`, one entry per
// input, as `xp predict` prints it; errors as MLflow's `{"error_code", "message"}` with 4xx for anything the
// client sent wrong. Requests are scored through a MicroBatcher; the model is behind the ScoringModel interface.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { parse as parseCsv } from 'csv-parse/sync';
import JSON5 from 'json5';
import secureJson from 'secure-json-parse';
import { MicroBatcher, type BatcherOptions } from './micro-batcher.js';
import { BadRequest, parseCsvRows, parseJsonRequest, topKOf, type ScoreItem, type ScoringRequest, type ServedInput } from './scoring-request.js';

/** One input to score, with the top-k its request asked for. */
export interface ScoreJob {
  item: ScoreItem;
  topK: number;
}

/** What the server needs of a model: what a row is, and scoring a batch of rows. */
export interface ScoringModel {
  readonly input: ServedInput;
  /**
   * One JSON-able prediction per job, in order. A problem with one input throws an error for which `userError`
   * returns its message (the server answers 400 with it); anything else is the server's fault (500).
   */
  score(jobs: ScoreJob[]): Promise<unknown[]>;
  /** The message to answer 400 with when `e` was caused by the input, else undefined. */
  userError(e: unknown, jobs: ScoreJob[]): string | undefined;
}

/** Limits and batching of one server. */
export interface ScoringServerOptions {
  batching: BatcherOptions;
  /** Rows (images, records) per request at most. */
  maxRows: number;
  /** Bytes of one request body at most (JSON, CSV, or all files of a multipart upload together). */
  bodyLimit: number;
  /** What `/version` answers. */
  version: string;
  /** The default of `params.top_k`. */
  topK: number;
}

/** An MLflow-style error body. */
function errorBody(status: number, message: string) {
  const code = status === 404 ? 'ENDPOINT_NOT_FOUND' : status === 413 ? 'REQUEST_LIMIT_EXCEEDED' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
  return { error_code: code, message };
}

/** Builds the server (not yet listening) and its batcher (whose `stats` count model calls); close with `app.close()`. */
export async function buildScoringServer(model: ScoringModel, opts: ScoringServerOptions): Promise<{ app: FastifyInstance; batcher: MicroBatcher<ScoreJob, unknown> }> {
  const app = Fastify({ bodyLimit: opts.bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: 'idle' });
  const batcher = new MicroBatcher<ScoreJob, unknown>((jobs) => model.score(jobs), opts.batching);
  const limits = { maxRows: opts.maxRows };

  await app.register(multipart, { limits: { fileSize: opts.bodyLimit, files: opts.maxRows, fields: 1, fieldSize: 4096, parts: opts.maxRows + 1 }, throwFileSizeLimit: true });
  // fastify reads text/plain by default; MLflow's protocol has no use for it, so it is an unsupported type (415).
  app.removeContentTypeParser('text/plain');
  // JSON through fastify's own safe parser (secure-json-parse: no __proto__/constructor keys), but keeping the
  // parser's message, which says where the JSON breaks (fastify's default parser drops it).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(body as string, { protoAction: 'error', constructorAction: 'error' }));
    } catch (e) {
      // Python's json module (and so MLflow's client, for a pandas frame with missing values) writes NaN and
      // Infinity, which MLflow's server reads; JSON5 reads them too (and defines keys as own properties).
      if (/\b(NaN|Infinity)\b/.test(body as string) && !/__proto__|constructor/.test(body as string)) {
        try {
          return done(null, JSON5.parse(body as string));
        } catch {
          // report the strict parser's error below
        }
      }
      done(new BadRequest(`the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
  // CSV as text, parsed in the handler so its errors name the model's columns.
  app.addContentTypeParser(['text/csv'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // On close, answers still being computed say `Connection: close`, so their keep-alive sockets end with them
  // and shutdown does not wait out the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof BadRequest) return reply.code(err.status).send(errorBody(err.status, err.message));
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody(status, clientMessage(err, req, opts)));
    process.stderr.write(`xp serve: internal error: ${err.stack ?? err.message}\n`);
    return reply.code(500).send(errorBody(500, `internal error: ${err.message}`));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody(404, `no endpoint ${req.method} ${req.url}: use GET /ping, /health, /version or POST /invocations`));
  });

  const alive = async (_req: FastifyRequest, reply: FastifyReply) => reply.type('application/json').send('\n');
  app.get('/ping', alive);
  app.get('/health', alive);
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(opts.version));

  app.post('/invocations', async (req, reply) => {
    const request = await readRequest(req, model.input, limits, opts.bodyLimit);
    const jobs = request.items.map((item) => ({ item, topK: request.topK ?? opts.topK }));
    let predictions: unknown[];
    try {
      // Not part of MLflow's protocol: how many rows the model call that answered had (for tuning batching).
      predictions = await batcher.submit(jobs, (rows) => reply.header('x-xp-batch-rows', String(rows)));
    } catch (e) {
      const message = model.userError(e, jobs);
      if (message !== undefined) throw new BadRequest(message);
      throw e;
    }
    return reply.send({ predictions });
  });
  return { app, batcher };
}

/** The request's rows, whatever its content type. */
async function readRequest(req: FastifyRequest, input: ServedInput, limits: { maxRows: number }, bodyLimit: number): Promise<ScoringRequest> {
  if (req.isMultipart()) return readMultipart(req, input, limits, bodyLimit);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.body === undefined || req.body === '') {
    throw new BadRequest(`the request has no body: send JSON (content-type application/json)${input.kind === 'image' ? ', image files (multipart/form-data)' : ', CSV (text/csv)'}`);
  }
  if (type === 'text/csv') return parseCsvBody(req.body as string, input, limits);
  return parseJsonRequest(req.body, input, limits);
}

function parseCsvBody(text: string, input: ServedInput, limits: { maxRows: number }): ScoringRequest {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new BadRequest(`the CSV body cannot be read: ${(e as Error).message}`);
  }
  return parseCsvRows(records, input, limits);
}

/** Every file part is one image, in order; a `params` field may hold `{"top_k": k}`; other fields are refused. */
async function readMultipart(req: FastifyRequest, input: ServedInput, limits: { maxRows: number }, bodyLimit: number): Promise<ScoringRequest> {
  if (input.kind !== 'image') throw new BadRequest('this model takes table rows, not uploaded files: send JSON (dataframe_records, …) or CSV');
  const items: ScoreItem[] = [];
  let bytes = 0;
  let topK: number | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type !== 'file') {
        if (part.fieldname !== 'params') throw new BadRequest(`multipart field '${part.fieldname}' is not a file: upload each image as a file part (and params as a field named params)`);
        let params: unknown;
        try {
          params = secureJson.parse(String(part.value), { protoAction: 'error', constructorAction: 'error' });
        } catch (e) {
          throw new BadRequest(`the params field is not valid JSON: ${(e as Error).message}`);
        }
        topK = topKOf(params);
        continue;
      }
      const buf = await part.toBuffer();
      bytes += buf.length;
      if (bytes > bodyLimit) throw new BadRequest(`the uploaded files exceed the server's limit of ${bodyLimit} bytes together: send fewer or smaller images`, 413);
      const name = part.filename || part.fieldname;
      if (!buf.length) throw new BadRequest(`file '${name}' is empty: upload the image's bytes`);
      items.push({ kind: 'image', bytes: buf, where: `file '${name}'` });
    }
  } catch (e) {
    const code = (e as FastifyError).code;
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') throw new BadRequest(`more than ${limits.maxRows} files in one request (the server's limit): split the upload`);
    if (code === 'FST_FIELDS_LIMIT') throw new BadRequest('too many multipart fields: upload each image as a file part, with at most one params field');
    throw e;
  }
  if (!items.length) throw new BadRequest('the multipart upload holds no files: upload at least one image file');
  return { items, topK };
}

/** fastify's own 4xx errors in words a client can act on. */
function clientMessage(err: FastifyError, req: FastifyRequest, opts: ScoringServerOptions): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `unsupported content type: ${req.headers['content-type'] ?? '(none)'}; send application/json, text/csv or multipart/form-data`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return `the request body is larger than the server's limit of ${opts.bodyLimit} bytes: send fewer rows per request (or start xp serve with a larger --max-body-mb)`;
    default:
      return err.message;
  }
}
