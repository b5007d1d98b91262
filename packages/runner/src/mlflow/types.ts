// MLflow REST entities as xp uses them: camelCase, numbers for int64 fields, metric values as numbers
// (NaN and ±Infinity included). The wire format (snake_case, "NaN" strings) stays in rest-store.ts.

export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type MlflowLifecycleStage = 'active' | 'deleted';

export interface MlflowExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: MlflowLifecycleStage;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
}

export interface MlflowMetric {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
  /** MLflow 3: the LoggedModel this value scores (shown in the Models view). */
  modelId?: string;
  /** MLflow 3: the dataset the value was computed on (with a model_id). */
  datasetName?: string;
  datasetDigest?: string;
}

export interface MlflowParam {
  key: string;
  value: string;
}

export interface MlflowRunTag {
  key: string;
  value: string;
}

export interface MlflowRunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: MlflowRunStatus;
  startTime?: number;
  endTime?: number;
  /** `mlflow-artifacts:/<exp>/<run>/artifacts` when the server proxies artifacts. */
  artifactUri: string;
  lifecycleStage: MlflowLifecycleStage;
}

/** A dataset a run used (MLflow's Dataset entity); `source`, `schema` and `profile` are JSON strings. */
export interface MlflowDataset {
  name: string;
  /** Content hash, at most 36 characters. */
  digest: string;
  /** e.g. `local`, `http`, `code`. */
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** A dataset and its input tags; `mlflow.data.context` (train/validation/test) is the usual tag. */
export interface MlflowDatasetInput {
  dataset: MlflowDataset;
  tags?: Record<string, string>;
}

/** What logInputs accepts: like MlflowDatasetInput, with tags as a record or a `{key, value}` list. */
export interface MlflowDatasetInputSpec {
  dataset: MlflowDataset;
  tags?: Record<string, string> | ReadonlyArray<{ key: string; value: string }>;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MlflowMetric[]; params: Record<string, string>; tags: Record<string, string> };
  inputs: MlflowDatasetInput[];
  /** MLflow 3: the logged models this run produced (runs/outputs). */
  outputs?: { modelOutputs: Array<{ modelId: string; step: number }> };
}

export interface MlflowFileInfo {
  /** Path relative to the run's artifact root. */
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export interface MlflowSearchRunsRequest {
  experimentIds: string[];
  /** MLflow search syntax, e.g. `params.lr = "0.1" and metrics.loss < 1`. */
  filter?: string;
  runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
  /** Defaults to 1000 (the server's default). */
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface MlflowPage<T> {
  items: T[];
  nextPageToken?: string;
}

/** LoggedModel statuses on the wire (MLflow 3). */
export type MlflowLoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED' | 'LOGGED_MODEL_STATUS_UNSPECIFIED';

/** An MLflow 3 LoggedModel (`logged-models` API). */
export interface MlflowLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  /** `mlflow-artifacts:/<exp>/models/<model_id>/artifacts` when the server proxies artifacts. */
  artifactUri: string;
  status: MlflowLoggedModelStatus;
  sourceRunId?: string;
  creationTime?: number;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: MlflowMetric[];
}

/** A registered model's version (Model Registry). */
export interface MlflowModelVersion {
  name: string;
  version: string;
  source: string;
  runId?: string;
  /** MLflow 3: the LoggedModel this version is (its source is then `models:/<model_id>`). */
  modelId?: string;
  status?: string;
  aliases: string[];
}
