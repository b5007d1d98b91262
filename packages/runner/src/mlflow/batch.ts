// Checks log-batch input against MLflow's limits and splits it into requests the server accepts.
//
// Over-long values are an error, never silently truncated (MLflow truncates params only when
// MLFLOW_TRUNCATE_LONG_VALUES is on, and a truncated hyper-parameter misleads): the message names the key,
// the length and the limit. Keys are sanitised instead, because MLflow's rule (letters, digits, `_ - . /`,
// space and colon; no `.`/`..` segments; no leading `/`) only concerns how keys are stored as paths.
import { MlflowInvalidInputError } from './errors.js';
import { MLFLOW_LIMITS, codePointLength, type MlflowLimits } from './limits.js';
import type { MlflowMetric, MlflowParam, MlflowRunTag } from './types.js';

/** A metric value to log; `step` defaults to 0 and `timestamp` to now (ms). */
export interface MlflowMetricInput {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
  /** MLflow 3: the LoggedModel this value scores, and the dataset it was computed on. */
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/** Params or tags, as a record or a list; values are converted with String(). */
export type MlflowKeyValues = Record<string, string | number | boolean> | ReadonlyArray<{ key: string; value: string | number | boolean }>;

/** What {@link prepareBatch} accepts. */
export interface MlflowBatchInput {
  metrics?: readonly MlflowMetricInput[];
  params?: MlflowKeyValues;
  tags?: MlflowKeyValues;
}

/** One validated set of entities (any size before chunking, within limits after). */
export interface MlflowBatch {
  metrics: MlflowMetric[];
  params: MlflowParam[];
  tags: MlflowRunTag[];
}

// JSON overhead of `{"run_id":"<32 hex>","metrics":[],"params":[],"tags":[]}` with room to spare.
const REQUEST_OVERHEAD_BYTES = 256;

/**
 * Makes `key` acceptable to MLflow: characters outside `[letters digits _ - . / space :]` become `_`,
 * empty and `.` path segments are dropped and `..` segments become `__`.
 * @example sanitizeKey('val/acc@top-1') // 'val/acc_top-1'
 */
export function sanitizeKey(key: string): string {
  const k = key
    .replace(/[^\p{L}\p{N}_/.\- :]/gu, '_')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .map((s) => (s === '..' ? '__' : s))
    .join('/');
  // MLflow also rejects any key whose normalised path starts with '..' (e.g. '..x').
  return k.startsWith('..') ? `_${k.slice(1)}` : k;
}

function checkKey(kind: string, key: unknown, limits: MlflowLimits): string {
  if (typeof key !== 'string') throw new MlflowInvalidInputError(`${kind} key must be a string, got ${typeof key} ${String(key)}`);
  const clean = sanitizeKey(key);
  if (clean === '') throw new MlflowInvalidInputError(`${kind} key ${JSON.stringify(key)} is empty after sanitising; use letters, digits, _ - . / : or spaces`);
  const len = codePointLength(clean);
  if (len > limits.maxKeyLength) {
    throw new MlflowInvalidInputError(`${kind} key '${clean.slice(0, 60)}…' is ${len} characters, over MLflow's limit of ${limits.maxKeyLength} (MAX_ENTITY_KEY_LENGTH); use a shorter key`);
  }
  return clean;
}

function entries(kv: MlflowKeyValues | undefined): Array<{ key: string; value: string | number | boolean }> {
  if (!kv) return [];
  return Array.isArray(kv) ? [...kv] : Object.entries(kv).map(([key, value]) => ({ key, value }));
}

function checkValue(kind: 'param' | 'tag', key: string, value: unknown, limits: MlflowLimits): string {
  if (value === null || value === undefined) throw new MlflowInvalidInputError(`${kind} '${key}' has no value (got ${value})`);
  const s = String(value);
  const limit = kind === 'param' ? limits.maxParamValueLength : limits.maxTagValueLength;
  const len = codePointLength(s);
  if (len > limit) {
    const name = kind === 'param' ? 'MAX_PARAM_VAL_LENGTH' : 'MAX_TAG_VAL_LENGTH';
    throw new MlflowInvalidInputError(
      `${kind} '${key}' value is ${len} characters, over MLflow's limit of ${limit} (${name}); shorten it, or log it as an artifact with logText()`,
    );
  }
  return s;
}

/**
 * Validates and normalises a batch: keys sanitised, values checked against the limits, params
 * de-duplicated (the same key twice with different values is an error, as MLflow never changes a param),
 * tags de-duplicated with the last value winning.
 */
export function prepareBatch(input: MlflowBatchInput, opts: { now?: number; limits?: MlflowLimits } = {}): MlflowBatch {
  const limits = opts.limits ?? MLFLOW_LIMITS;
  const now = opts.now ?? Date.now();
  const metrics = (input.metrics ?? []).map((m): MlflowMetric => {
    const key = checkKey('metric', m.key, limits);
    if (typeof m.value !== 'number') throw new MlflowInvalidInputError(`metric '${key}' value must be a number, got ${typeof m.value} ${JSON.stringify(m.value)}`);
    const step = m.step ?? 0;
    const timestamp = m.timestamp ?? now;
    if (!Number.isSafeInteger(step)) throw new MlflowInvalidInputError(`metric '${key}' step must be an integer, got ${step}`);
    if (!Number.isSafeInteger(timestamp)) throw new MlflowInvalidInputError(`metric '${key}' timestamp must be integer milliseconds, got ${timestamp}`);
    const model = m.modelId ? { modelId: m.modelId, datasetName: m.datasetName, datasetDigest: m.datasetDigest } : {};
    return { key, value: m.value, step, timestamp, ...model };
  });

  const params = new Map<string, { value: string; from: string }>();
  for (const p of entries(input.params)) {
    const key = checkKey('param', p.key, limits);
    const value = checkValue('param', key, p.value, limits);
    const prev = params.get(key);
    if (prev && prev.value !== value) {
      throw new MlflowInvalidInputError(
        `param '${key}' is given twice with different values (${JSON.stringify(prev.value)} from '${prev.from}', ${JSON.stringify(value)} from '${p.key}'); MLflow params cannot change`,
      );
    }
    params.set(key, { value, from: p.key });
  }
  const tags = new Map<string, string>();
  for (const t of entries(input.tags)) {
    const key = checkKey('tag', t.key, limits);
    tags.set(key, checkValue('tag', key, t.value, limits));
  }
  return {
    metrics,
    params: [...params].map(([key, { value }]) => ({ key, value })),
    tags: [...tags].map(([key, value]) => ({ key, value })),
  };
}

function jsonBytes(o: unknown): number {
  // +1 for the separating comma; NaN serialises as "NaN" on the wire (5 bytes) but "null" here (4): +2 covers it.
  return Buffer.byteLength(JSON.stringify(o)) + 3;
}

/**
 * Splits a prepared batch into requests within every log-batch limit: per-kind counts, total entities
 * and request bytes. Each request takes params first, then tags, then fills up with metrics, so
 * 2500 metrics + 250 params need 3 requests (the minimum for 2750 entities at 1000 each).
 */
export function chunkBatch(batch: MlflowBatch, limits: MlflowLimits = MLFLOW_LIMITS): MlflowBatch[] {
  const out: MlflowBatch[] = [];
  const idx = { params: 0, tags: 0, metrics: 0 };
  const caps = { params: limits.maxParamsPerBatch, tags: limits.maxTagsPerBatch, metrics: limits.maxMetricsPerBatch };
  const kinds = ['params', 'tags', 'metrics'] as const;
  while (kinds.some((k) => idx[k] < batch[k].length)) {
    const chunk: MlflowBatch = { metrics: [], params: [], tags: [] };
    let bytes = REQUEST_OVERHEAD_BYTES;
    let count = 0;
    for (const kind of kinds) {
      const list = batch[kind] as Array<MlflowMetric | MlflowParam | MlflowRunTag>;
      const dest = chunk[kind] as Array<MlflowMetric | MlflowParam | MlflowRunTag>;
      while (idx[kind] < list.length && dest.length < caps[kind] && count < limits.maxEntitiesPerBatch) {
        const size = jsonBytes(list[idx[kind]]);
        if (bytes + size > limits.maxBatchRequestBytes) {
          if (count === 0) throw new MlflowInvalidInputError(`${kind} '${list[idx[kind]].key}' alone exceeds the ${limits.maxBatchRequestBytes}-byte request limit`);
          break;
        }
        dest.push(list[idx[kind]++]);
        bytes += size;
        count++;
      }
    }
    out.push(chunk);
  }
  return out;
}
