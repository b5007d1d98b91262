// MLflow's named request limits, so the client can split and reject before the server does.
//
// Sources (MLflow 3.17.2, the version scripts/setup-mlflow.sh pins):
//  - mlflow/utils/validation.py: MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH, MAX_ENTITIES_PER_BATCH,
//    MAX_BATCH_LOG_REQUEST_SIZE, MAX_PARAM_VAL_LENGTH, MAX_TAG_VAL_LENGTH, MAX_ENTITY_KEY_LENGTH,
//    MAX_DATASET_* and MAX_INPUT_TAG_* (the server re-checks every one of them).
//  - REST API docs, "Log Batch": "A single JSON-serialized API request may be up to 1 MB in size and
//    contain: no more than 1000 metrics, params, and tags in total; up to 1000 metrics; up to 100 params;
//    up to 100 tags" (https://mlflow.org/docs/latest/rest-api.html#log-batch).
// Lengths are counted in Unicode code points, as Python's len(str) counts them.

/** The limits MLflow enforces on one log-batch / log-inputs request and on each entity. */
export const MLFLOW_LIMITS = {
  /** MAX_METRICS_PER_BATCH: metrics in one log-batch request. */
  maxMetricsPerBatch: 1000,
  /** MAX_PARAMS_TAGS_PER_BATCH: params in one log-batch request. */
  maxParamsPerBatch: 100,
  /** MAX_PARAMS_TAGS_PER_BATCH: tags in one log-batch request. */
  maxTagsPerBatch: 100,
  /** MAX_ENTITIES_PER_BATCH: metrics + params + tags in one log-batch request. */
  maxEntitiesPerBatch: 1000,
  /** MAX_BATCH_LOG_REQUEST_SIZE: bytes of one JSON log-batch request. */
  maxBatchRequestBytes: 1_000_000,
  /** MAX_PARAM_VAL_LENGTH: characters of a param value. */
  maxParamValueLength: 6000,
  /** MAX_TAG_VAL_LENGTH: characters of a run tag value. */
  maxTagValueLength: 8000,
  /** MAX_ENTITY_KEY_LENGTH: characters of a metric, param or tag key. */
  maxKeyLength: 250,
  /** MAX_DATASETS_PER_BATCH: dataset inputs in one log-inputs request. */
  maxDatasetsPerBatch: 1000,
  /** MAX_DATASET_NAME_SIZE. */
  maxDatasetNameLength: 500,
  /** MAX_DATASET_DIGEST_SIZE. */
  maxDatasetDigestLength: 36,
  /** MAX_DATASET_SOURCE_SIZE (64 KiB - 1, a TEXT column). */
  maxDatasetSourceLength: 65_535,
  /** MAX_DATASET_SCHEMA_SIZE (1 MiB - 1). */
  maxDatasetSchemaLength: 1_048_575,
  /** MAX_DATASET_PROFILE_SIZE (16 MiB - 1, a MEDIUMTEXT column). */
  maxDatasetProfileLength: 16_777_215,
  /** MAX_INPUT_TAG_KEY_SIZE. */
  maxInputTagKeyLength: 255,
  /** MAX_INPUT_TAG_VALUE_SIZE. */
  maxInputTagValueLength: 500,
} as const;

/** The limits object's type, for callers that pass tighter limits (tests). */
export type MlflowLimits = { readonly [K in keyof typeof MLFLOW_LIMITS]: number };

/** Length in Unicode code points (what MLflow's Python `len()` counts), not UTF-16 units. */
export function codePointLength(s: string): number {
  let n = s.length;
  // Each surrogate pair is two UTF-16 units but one code point.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff) n--;
  }
  return n;
}
