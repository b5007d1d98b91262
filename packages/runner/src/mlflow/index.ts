// MLflow tracking client (REST API 2.0 over axios) and the MLflow server xp manages.
export { MLFLOW_LIMITS, codePointLength, type MlflowLimits } from './limits.js';
export {
  MlflowError, MlflowApiError, MlflowConnectionError, MlflowInvalidInputError, MlflowTrackingUriError,
  MlflowNotInstalledError, MlflowServerStartError,
} from './errors.js';
export {
  createMlflowHttp, credentialsFromEnv, parseRetryAfter, retryDelayMs, TRANSIENT_STATUSES,
  type MlflowCredentials, type MlflowHttp, type MlflowHttpOptions, type MlflowRequest,
} from './http.js';
export { RestStore, encodeArtifactPath } from './rest-store.js';
export {
  chunkBatch, prepareBatch, sanitizeKey, type MlflowBatch, type MlflowBatchInput, type MlflowKeyValues, type MlflowMetricInput,
} from './batch.js';
export { proxiedArtifactRoot, checkArtifactPath } from './artifacts.js';
export { MlflowClient, type MlflowClientOptions, type TerminalStatus } from './tracking-client.js';
export {
  CUSTOM_MODEL_DEVELOPMENT, EXPERIMENT_KIND_TAG, headlineColumns, MODEL_TRAINING_QUERY, XP_VIEW_KEY,
  compareRunsUrl, experimentUrl, runUrl, xpExperimentTags, xpRunsView,
} from './ui-urls.js';
export { resolveTrackingUri } from './tracking-env.js';
export { MLFLOW_VERSION, mlflowBin, mlflowVenvDir } from './venv.js';
export {
  ensureLocalServer, findFreePort, localServerStatus, probeHealth, startServer, stopLocalServer,
  type EnsureLocalServerOptions, type LocalServer, type ServerHandle, type ServerRecord, type StartServerOptions,
} from './local-server.js';
export type {
  MlflowDataset, MlflowDatasetInput, MlflowDatasetInputSpec, MlflowExperiment, MlflowFileInfo, MlflowLifecycleStage, MlflowLoggedModel, MlflowLoggedModelStatus, MlflowModelVersion,
  MlflowMetric, MlflowPage, MlflowParam, MlflowRun, MlflowRunInfo, MlflowRunStatus, MlflowRunTag, MlflowSearchRunsRequest,
} from './types.js';
