// One method per MLflow REST endpoint (API 2.0), translating between xp's entities and the wire format.
// No validation, chunking or pagination loops here: that is tracking-client.ts's job, as in MLflow's own
// RestStore / TrackingServiceClient split. Endpoints checked against an MLflow 3.17.2 server.
import type { MlflowHttp } from './http.js';
import { MlflowApiError } from './errors.js';
import type {
  MlflowDatasetInput, MlflowExperiment, MlflowFileInfo, MlflowLoggedModel, MlflowLoggedModelStatus, MlflowMetric, MlflowModelVersion, MlflowPage, MlflowParam, MlflowRun, MlflowRunInfo, MlflowRunStatus, MlflowRunTag, MlflowSearchRunsRequest,
} from './types.js';

const API = '/api/2.0/mlflow';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';

/* eslint-disable @typescript-eslint/no-explicit-any -- wire objects are untyped JSON, converted right here */
type Wire = any;

// JSON has no NaN/Infinity; MLflow's proto JSON accepts and returns them as strings.
function encodeValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}
const num = (v: Wire): number | undefined => (v === undefined || v === null ? undefined : Number(v));
const kvList = (o: Record<string, string> = {}) => Object.entries(o).map(([key, value]) => ({ key, value }));
const kvRecord = (list: Wire[] = []): Record<string, string> => Object.fromEntries(list.map((t: Wire) => [t.key, t.value ?? '']));

const toMetric = (m: Wire): MlflowMetric => ({
  key: m.key, value: Number(m.value), timestamp: Number(m.timestamp ?? 0), step: Number(m.step ?? 0),
  ...(m.model_id ? { modelId: m.model_id, datasetName: m.dataset_name, datasetDigest: m.dataset_digest } : {}),
});

function toLoggedModel(m: Wire): MlflowLoggedModel {
  const i = m.info ?? {};
  return {
    modelId: i.model_id, experimentId: i.experiment_id, name: i.name ?? '', artifactUri: i.artifact_uri ?? '',
    status: i.status ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED', sourceRunId: i.source_run_id || undefined,
    creationTime: num(i.creation_timestamp_ms), tags: kvRecord(i.tags),
    params: kvRecord(m.data?.params), metrics: (m.data?.metrics ?? []).map(toMetric),
  };
}

function toModelVersion(v: Wire): MlflowModelVersion {
  return {
    name: v.name, version: String(v.version), source: v.source ?? '', runId: v.run_id || undefined, modelId: v.model_id || undefined, status: v.status,
    aliases: v.aliases ?? [],
  };
}

function toExperiment(e: Wire): MlflowExperiment {
  return {
    experimentId: e.experiment_id, name: e.name, artifactLocation: e.artifact_location ?? '',
    lifecycleStage: e.lifecycle_stage, creationTime: num(e.creation_time), lastUpdateTime: num(e.last_update_time),
    tags: kvRecord(e.tags),
  };
}

function toRunInfo(i: Wire): MlflowRunInfo {
  return {
    runId: i.run_id ?? i.run_uuid, experimentId: i.experiment_id, runName: i.run_name ?? '', status: i.status,
    startTime: num(i.start_time), endTime: num(i.end_time), artifactUri: i.artifact_uri ?? '', lifecycleStage: i.lifecycle_stage,
  };
}

function toRun(r: Wire): MlflowRun {
  return {
    info: toRunInfo(r.info),
    data: { metrics: (r.data?.metrics ?? []).map(toMetric), params: kvRecord(r.data?.params), tags: kvRecord(r.data?.tags) },
    inputs: (r.inputs?.dataset_inputs ?? []).map((d: Wire): MlflowDatasetInput => ({
      dataset: {
        name: d.dataset.name, digest: d.dataset.digest, sourceType: d.dataset.source_type, source: d.dataset.source,
        schema: d.dataset.schema, profile: d.dataset.profile,
      },
      tags: kvRecord(d.tags),
    })),
    outputs: { modelOutputs: (r.outputs?.model_outputs ?? []).map((o: Wire) => ({ modelId: o.model_id, step: Number(o.step ?? 0) })) },
  };
}

/** Encodes an artifact path for a URL, one segment at a time (so `/` stays a separator). */
export function encodeArtifactPath(p: string): string {
  return p.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
}

/** The MLflow tracking REST API, one method per endpoint. */
export class RestStore {
  constructor(readonly http: MlflowHttp) {}

  /** GET experiments/get-by-name; null when no experiment has that name. */
  async getExperimentByName(name: string): Promise<MlflowExperiment | null> {
    try {
      const res = await this.http.request<Wire>({ method: 'GET', path: `${API}/experiments/get-by-name`, params: { experiment_name: name } });
      return toExperiment(res.experiment);
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }

  /** POST experiments/create; returns the new experiment id. */
  async createExperiment(name: string, opts: { artifactLocation?: string; tags?: Record<string, string> } = {}): Promise<string> {
    const res = await this.http.request<Wire>({
      method: 'POST', path: `${API}/experiments/create`,
      json: { name, artifact_location: opts.artifactLocation, tags: kvList(opts.tags) },
    });
    return String(res.experiment_id);
  }

  /** GET experiments/get. */
  async getExperiment(experimentId: string): Promise<MlflowExperiment> {
    const res = await this.http.request<Wire>({ method: 'GET', path: `${API}/experiments/get`, params: { experiment_id: experimentId } });
    return toExperiment(res.experiment);
  }

  /** POST experiments/set-experiment-tag. */
  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/experiments/set-experiment-tag`, json: { experiment_id: experimentId, key, value } });
  }

  /** POST experiments/restore (undo a delete). */
  async restoreExperiment(experimentId: string): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/experiments/restore`, json: { experiment_id: experimentId } });
  }

  /** POST runs/create. */
  async createRun(req: { experimentId: string; runName?: string; startTime: number; tags?: Record<string, string> }): Promise<MlflowRun> {
    const res = await this.http.request<Wire>({
      method: 'POST', path: `${API}/runs/create`,
      json: { experiment_id: req.experimentId, run_name: req.runName, start_time: req.startTime, tags: kvList(req.tags) },
    });
    return toRun(res.run);
  }

  /** POST runs/update (status, end time, name). */
  async updateRun(runId: string, req: { status?: MlflowRunStatus; endTime?: number; runName?: string }): Promise<MlflowRunInfo> {
    const res = await this.http.request<Wire>({
      method: 'POST', path: `${API}/runs/update`,
      json: { run_id: runId, status: req.status, end_time: req.endTime, run_name: req.runName },
    });
    return toRunInfo(res.run_info);
  }

  /** GET runs/get. */
  async getRun(runId: string): Promise<MlflowRun> {
    const res = await this.http.request<Wire>({ method: 'GET', path: `${API}/runs/get`, params: { run_id: runId } });
    return toRun(res.run);
  }

  /** POST runs/search: one page. */
  async searchRuns(req: MlflowSearchRunsRequest): Promise<MlflowPage<MlflowRun>> {
    const res = await this.http.request<Wire>({
      method: 'POST', path: `${API}/runs/search`,
      json: {
        experiment_ids: req.experimentIds, filter: req.filter, run_view_type: req.runViewType,
        max_results: req.maxResults, order_by: req.orderBy, page_token: req.pageToken,
      },
    });
    return { items: (res.runs ?? []).map(toRun), nextPageToken: res.next_page_token || undefined };
  }

  /** POST runs/delete (soft delete). */
  async deleteRun(runId: string): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/runs/delete`, json: { run_id: runId } });
  }

  /** POST runs/log-batch: one request; the caller keeps it within MLFLOW_LIMITS. */
  async logBatch(runId: string, batch: { metrics?: MlflowMetric[]; params?: MlflowParam[]; tags?: MlflowRunTag[] }): Promise<void> {
    await this.http.request({
      method: 'POST', path: `${API}/runs/log-batch`,
      json: {
        run_id: runId,
        metrics: (batch.metrics ?? []).map((m) => ({
          key: m.key, value: encodeValue(m.value), timestamp: m.timestamp, step: m.step,
          model_id: m.modelId, dataset_name: m.datasetName, dataset_digest: m.datasetDigest,
        })),
        params: batch.params ?? [],
        tags: batch.tags ?? [],
      },
    });
  }

  /** POST runs/log-inputs: dataset inputs. */
  async logInputs(runId: string, datasets: MlflowDatasetInput[]): Promise<void> {
    await this.http.request({
      method: 'POST', path: `${API}/runs/log-inputs`,
      json: {
        run_id: runId,
        datasets: datasets.map(({ dataset: d, tags }) => ({
          tags: kvList(tags),
          dataset: { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, schema: d.schema, profile: d.profile },
        })),
      },
    });
  }

  /** POST runs/set-tag. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/runs/set-tag`, json: { run_id: runId, key, value } });
  }

  /** GET metrics/get-history: one page of a metric's values. */
  async getMetricHistory(runId: string, metricKey: string, pageToken?: string, maxResults?: number): Promise<MlflowPage<MlflowMetric>> {
    const res = await this.http.request<Wire>({
      method: 'GET', path: `${API}/metrics/get-history`,
      params: { run_id: runId, metric_key: metricKey, page_token: pageToken, max_results: maxResults },
    });
    return { items: (res.metrics ?? []).map(toMetric), nextPageToken: res.next_page_token || undefined };
  }

  /** GET artifacts/list: one page of the direct children of `path` (the root when omitted). */
  async listArtifacts(runId: string, path?: string, pageToken?: string): Promise<MlflowPage<MlflowFileInfo> & { rootUri: string }> {
    const res = await this.http.request<Wire>({
      method: 'GET', path: `${API}/artifacts/list`, params: { run_id: runId, path: path || undefined, page_token: pageToken },
    });
    return {
      rootUri: res.root_uri ?? '',
      items: (res.files ?? []).map((f: Wire): MlflowFileInfo => ({ path: f.path, isDir: Boolean(f.is_dir), fileSize: num(f.file_size) })),
      nextPageToken: res.next_page_token || undefined,
    };
  }

  /**
   * PUT mlflow-artifacts/artifacts/<proxiedPath>: uploads through the server's artifact proxy.
   * `proxiedPath` is relative to --artifacts-destination, e.g. `<exp>/<run>/artifacts/plots/loss.png`.
   */
  async uploadArtifact(proxiedPath: string, body: Buffer | (() => NodeJS.ReadableStream), contentLength?: number): Promise<void> {
    await this.http.request({ method: 'PUT', path: `${ARTIFACTS_API}/${encodeArtifactPath(proxiedPath)}`, body, contentLength });
  }

  /** GET /get-artifact: a run artifact's bytes (works for any artifact store the server can read). */
  async downloadArtifact(runId: string, path: string): Promise<Buffer> {
    return this.http.request<Buffer>({ method: 'GET', path: '/get-artifact', params: { run_id: runId, path }, responseType: 'buffer' });
  }

  /** POST logged-models (MLflow 3): a new LoggedModel, PENDING until finalized. */
  async createLoggedModel(req: {
    experimentId: string; name?: string; sourceRunId?: string; modelType?: string; params?: Record<string, string>; tags?: Record<string, string>;
  }): Promise<MlflowLoggedModel> {
    const res = await this.http.request<Wire>({
      method: 'POST', path: `${API}/logged-models`,
      json: {
        experiment_id: req.experimentId, name: req.name, model_type: req.modelType, source_run_id: req.sourceRunId,
        params: kvList(req.params), tags: kvList(req.tags),
      },
    });
    return toLoggedModel(res.model);
  }

  /** POST logged-models/{model_id}/params: more params (MLflow takes at most 100 per request). */
  async logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/logged-models/${encodeURIComponent(modelId)}/params`, json: { model_id: modelId, params: kvList(params) } });
  }

  /** GET logged-models/{model_id}. */
  async getLoggedModel(modelId: string): Promise<MlflowLoggedModel> {
    const res = await this.http.request<Wire>({ method: 'GET', path: `${API}/logged-models/${encodeURIComponent(modelId)}` });
    return toLoggedModel(res.model);
  }

  /** PATCH logged-models/{model_id}: finalize as READY or UPLOAD_FAILED. */
  async finalizeLoggedModel(modelId: string, status: MlflowLoggedModelStatus): Promise<MlflowLoggedModel> {
    const res = await this.http.request<Wire>({ method: 'PATCH', path: `${API}/logged-models/${encodeURIComponent(modelId)}`, json: { model_id: modelId, status } });
    return toLoggedModel(res.model);
  }

  /** POST logged-models/search: one page. */
  async searchLoggedModels(req: { experimentIds: string[]; filter?: string; maxResults?: number; pageToken?: string }): Promise<MlflowPage<MlflowLoggedModel>> {
    const res = await this.http.request<Wire>({
      method: 'POST', path: `${API}/logged-models/search`,
      json: { experiment_ids: req.experimentIds, filter: req.filter, max_results: req.maxResults, page_token: req.pageToken },
    });
    return { items: (res.models ?? []).map(toLoggedModel), nextPageToken: res.next_page_token || undefined };
  }

  /** POST runs/outputs: links logged models to a run as its outputs (MLflow refuses the same link twice). */
  async logOutputs(runId: string, models: Array<{ modelId: string; step: number }>): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/runs/outputs`, json: { run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step })) } });
  }

  /** POST registered-models/create. */
  async createRegisteredModel(name: string, opts: { description?: string; tags?: Record<string, string> } = {}): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/registered-models/create`, json: { name, description: opts.description, tags: kvList(opts.tags) } });
  }

  /** POST model-versions/create; `source` is `models:/<model_id>` for an MLflow 3 logged model. */
  async createModelVersion(req: { name: string; source: string; runId?: string; modelId?: string; tags?: Record<string, string> }): Promise<MlflowModelVersion> {
    const res = await this.http.request<Wire>({
      method: 'POST', path: `${API}/model-versions/create`,
      json: { name: req.name, source: req.source, run_id: req.runId, model_id: req.modelId, tags: kvList(req.tags) },
    });
    return toModelVersion(res.model_version);
  }

  /** GET model-versions/search: one page (filter e.g. `name='digits' AND run_id='…'`). */
  async searchModelVersions(filter: string, pageToken?: string): Promise<MlflowPage<MlflowModelVersion>> {
    const res = await this.http.request<Wire>({ method: 'GET', path: `${API}/model-versions/search`, params: { filter, page_token: pageToken } });
    return { items: (res.model_versions ?? []).map(toModelVersion), nextPageToken: res.next_page_token || undefined };
  }

  /** POST registered-models/alias: points `alias` at `version` (moving it if it pointed elsewhere). */
  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.request({ method: 'POST', path: `${API}/registered-models/alias`, json: { name, alias, version } });
  }

  /** GET model-versions/get: one version of a registered model. */
  async getModelVersion(name: string, version: string): Promise<MlflowModelVersion> {
    const res = await this.http.request<Wire>({ method: 'GET', path: `${API}/model-versions/get`, params: { name, version } });
    return toModelVersion(res.model_version);
  }

  /** GET mlflow-artifacts/artifacts?path=: the direct children of a folder behind the server's artifact proxy. */
  async listProxiedArtifacts(proxiedPath: string): Promise<MlflowFileInfo[]> {
    const res = await this.http.request<Wire>({ method: 'GET', path: ARTIFACTS_API, params: { path: proxiedPath } });
    return (res.files ?? []).map((f: Wire): MlflowFileInfo => ({ path: f.path, isDir: Boolean(f.is_dir), fileSize: num(f.file_size) }));
  }

  /** GET mlflow-artifacts/artifacts/<proxiedPath>: one file's bytes through the server's artifact proxy. */
  async downloadProxiedArtifact(proxiedPath: string): Promise<Buffer> {
    return this.http.request<Buffer>({ method: 'GET', path: `${ARTIFACTS_API}/${encodeArtifactPath(proxiedPath)}`, responseType: 'buffer' });
  }

  /** GET registered-models/alias: the version an alias points at. */
  async getModelVersionByAlias(name: string, alias: string): Promise<MlflowModelVersion> {
    const res = await this.http.request<Wire>({ method: 'GET', path: `${API}/registered-models/alias`, params: { name, alias } });
    return toModelVersion(res.model_version);
  }

  /** GET /version: the server's MLflow version (MLflow >= 1.x serves it). */
  async version(): Promise<string> {
    return (await this.http.request<string>({ method: 'GET', path: '/version', responseType: 'text', maxRetries: 0 })).trim();
  }

  /** GET /health: "OK" when the server is up; no retries, so it answers quickly. */
  async health(timeoutMs?: number): Promise<string> {
    return (await this.http.request<string>({ method: 'GET', path: '/health', responseType: 'text', maxRetries: 0, timeoutMs })).trim();
  }
}
