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
