// The MLflow client xp uses: validates against MLflow's limits, chunks log-batch, follows pagination and
// resolves artifact locations, on top of RestStore (one method per endpoint).
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { checkArtifactPath, joinArtifactPath, listLocalFiles, mapLimit, proxiedArtifactRoot } from './artifacts.js';
import { chunkBatch, prepareBatch, type MlflowBatchInput, type MlflowKeyValues } from './batch.js';
import { MlflowApiError, MlflowConnectionError, MlflowInvalidInputError } from './errors.js';
import { createMlflowHttp, type MlflowHttpOptions } from './http.js';
import { MLFLOW_LIMITS, codePointLength, type MlflowLimits } from './limits.js';
import { RestStore } from './rest-store.js';
import { experimentUrl, runUrl, xpExperimentTags } from './ui-urls.js';
import type { MlflowDatasetInput, MlflowFileInfo, MlflowLoggedModel, MlflowModelVersion, MlflowDatasetInputSpec, MlflowMetric, MlflowRun, MlflowRunInfo, MlflowSearchRunsRequest } from './types.js';

/** Options of {@link MlflowClient}: the server URL plus the transport's options. */
export interface MlflowClientOptions extends Omit<MlflowHttpOptions, 'baseUrl'> {
  /** http(s) URL of the tracking server. */
  trackingUri: string;
  /** Limits to enforce. Defaults to {@link MLFLOW_LIMITS}. */
  limits?: MlflowLimits;
  /** Parallel uploads in logArtifactDir. Defaults to 4. */
  uploadConcurrency?: number;
}

/** Terminal run statuses. */
export type TerminalStatus = 'FINISHED' | 'FAILED' | 'KILLED';

/**
 * Facade over the MLflow tracking REST API.
 * @example
 * const client = new MlflowClient({ trackingUri: 'http://127.0.0.1:5000' });
 * const exp = await client.getOrCreateExperiment('digits');
 * const run = await client.createRun({ experimentId: exp, runName: 'baseline' });
 * await client.logBatch(run.info.runId, { params: { lr: 0.001 }, metrics: [{ key: 'loss', value: 0.3, step: 1 }] });
 * await client.setTerminated(run.info.runId, 'FINISHED');
 */
export class MlflowClient {
  readonly store: RestStore;
  readonly trackingUri: string;
  private readonly limits: MlflowLimits;
  private readonly uploadConcurrency: number;
  private readonly artifactRoots = new Map<string, string>();

  constructor(opts: MlflowClientOptions) {
    this.trackingUri = opts.trackingUri.replace(/\/+$/, '');
    this.store = new RestStore(createMlflowHttp({ ...opts, baseUrl: this.trackingUri }));
    this.limits = opts.limits ?? MLFLOW_LIMITS;
    this.uploadConcurrency = opts.uploadConcurrency ?? 4;
  }

  /**
   * The experiment id for `name`, creating the experiment when it does not exist (safe against a concurrent
   * create). It carries xp's experiment tags ({@link xpExperimentTags}) plus `opts.tags`; an existing experiment
   * gets those it lacks, and keeps the values it has (a user may have chosen another kind in the UI). `headline`
   * (the first run's headline metric) leads the runs table the experiment link opens.
   */
  async getOrCreateExperiment(name: string, opts: { tags?: Record<string, string>; headline?: string } = {}): Promise<string> {
    const tags = { ...xpExperimentTags(opts.headline), ...opts.tags };
    const existing = await this.store.getExperimentByName(name);
    if (existing) {
      if (existing.lifecycleStage === 'deleted') {
        throw new MlflowInvalidInputError(
          `experiment '${name}' (id ${existing.experimentId}) is deleted; restore it (\`mlflow experiments restore -x ${existing.experimentId}\` or the UI) or choose another name`,
        );
      }
      for (const [key, value] of Object.entries(tags)) {
        if (!(key in existing.tags)) await this.store.setExperimentTag(existing.experimentId, key, value);
      }
      return existing.experimentId;
    }
    try {
      return await this.store.createExperiment(name, { tags });
    } catch (e) {
      if (!(e instanceof MlflowApiError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
      // The concurrent creator sets the same tags.
      const raced = await this.store.getExperimentByName(name);
      if (!raced) throw e;
      return raced.experimentId;
    }
  }

  /** Creates a run; `startTime` defaults to now. Tags are checked like logBatch tags. */
  async createRun(req: { experimentId: string; runName?: string; tags?: MlflowKeyValues; startTime?: number }): Promise<MlflowRun> {
    const { tags } = prepareBatch({ tags: req.tags }, { limits: this.limits });
    const run = await this.store.createRun({
      experimentId: req.experimentId, runName: req.runName, startTime: req.startTime ?? Date.now(),
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
    });
    this.artifactRoots.set(run.info.runId, run.info.artifactUri);
    return run;
  }

  /**
   * Logs metrics, params and tags, split into as few requests as MLflow's limits allow.
   * Over-long values and non-numeric metrics throw before anything is sent. Returns the number of requests.
   */
  async logBatch(runId: string, input: MlflowBatchInput): Promise<number> {
    const chunks = chunkBatch(prepareBatch(input, { limits: this.limits }), this.limits);
    for (const chunk of chunks) await this.store.logBatch(runId, chunk);
    return chunks.length;
  }

  /** Logs one metric value; `step` defaults to 0, `timestamp` to now. */
  async logMetric(runId: string, key: string, value: number, opts: { step?: number; timestamp?: number } = {}): Promise<void> {
    await this.logBatch(runId, { metrics: [{ key, value, ...opts }] });
  }

  /** Logs several metrics at one step (e.g. an epoch's logs). */
  async logMetrics(runId: string, values: Record<string, number>, opts: { step?: number; timestamp?: number } = {}): Promise<void> {
    await this.logBatch(runId, { metrics: Object.entries(values).map(([key, value]) => ({ key, value, ...opts })) });
  }

  /** Logs params; values are converted with String(). Re-logging the same value is a no-op, a different one an error. */
  async logParams(runId: string, params: MlflowKeyValues): Promise<void> {
    await this.logBatch(runId, { params });
  }

  /** Sets run tags (values up to 8000 characters). */
  async setTags(runId: string, tags: MlflowKeyValues): Promise<void> {
    await this.logBatch(runId, { tags });
  }

  /** Records the datasets a run used (log-inputs), checked against MLflow's dataset limits. */
  async logInputs(runId: string, given: readonly MlflowDatasetInputSpec[]): Promise<void> {
    const L = this.limits;
    const inputs = given.map((i): MlflowDatasetInput => ({
      dataset: i.dataset,
      tags: Array.isArray(i.tags) ? Object.fromEntries(i.tags.map((t) => [t.key, t.value])) : (i.tags as Record<string, string> | undefined),
    }));
    const checks: Array<[keyof MlflowDatasetInput['dataset'], number]> = [
      ['name', L.maxDatasetNameLength], ['digest', L.maxDatasetDigestLength], ['source', L.maxDatasetSourceLength],
      ['schema', L.maxDatasetSchemaLength], ['profile', L.maxDatasetProfileLength],
    ];
    for (const { dataset } of inputs) {
      for (const [field, limit] of checks) {
        const v = dataset[field];
        if (v !== undefined && codePointLength(v) > limit) {
          throw new MlflowInvalidInputError(`dataset '${dataset.name.slice(0, 60)}' ${field} is ${codePointLength(v)} characters, over MLflow's limit of ${limit}`);
        }
      }
    }
    for (let i = 0; i < inputs.length; i += L.maxDatasetsPerBatch) await this.store.logInputs(runId, inputs.slice(i, i + L.maxDatasetsPerBatch));
  }

  /** Uploads one file to `<artifactPath>/<basename>` (to the root when `artifactPath` is omitted). */
  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const stat = await fs.stat(localPath);
    if (!stat.isFile()) throw new MlflowInvalidInputError(`logArtifact: ${localPath} is not a file; use logArtifactDir for directories`);
    const dest = joinArtifactPath(checkArtifactPath(artifactPath, 'logArtifact: artifactPath'), path.basename(localPath));
    await this.upload(runId, checkArtifactPath(dest, `logArtifact: ${localPath} would become`, false), localPath, stat.size);
  }

  /** Uploads every file under `localDir` (recursively) below `artifactPath` (the root when omitted). Returns the file count. */
  async logArtifactDir(runId: string, localDir: string, artifactPath?: string): Promise<number> {
    const dest = checkArtifactPath(artifactPath, 'logArtifactDir: artifactPath');
    // Every name is checked before the first upload, so a bad file name cannot leave half a directory behind.
    const files = (await listLocalFiles(localDir)).map((f) => ({ ...f, rel: checkArtifactPath(joinArtifactPath(dest, f.rel), `logArtifactDir: ${f.abs} would become`, false) }));
    await mapLimit(files, this.uploadConcurrency, async (f) => {
      await this.upload(runId, f.rel, f.abs, (await fs.stat(f.abs)).size);
    });
    return files.length;
  }

  /** Writes `text` (UTF-8) as the artifact `artifactFile`, e.g. `config/resolved.yaml`. */
  async logText(runId: string, text: string, artifactFile: string): Promise<void> {
    const rel = checkArtifactPath(artifactFile, 'logText: artifactFile', false);
    await this.store.uploadArtifact(joinArtifactPath(await this.artifactRoot(runId), rel), Buffer.from(text, 'utf8'));
  }

  /** Ends a run with a terminal status; `endTime` defaults to now. */
  async setTerminated(runId: string, status: TerminalStatus = 'FINISHED', endTime = Date.now()): Promise<MlflowRunInfo> {
    return this.store.updateRun(runId, { status, endTime });
  }

  async getRun(runId: string): Promise<MlflowRun> {
    return this.store.getRun(runId);
  }

  /** Soft-deletes a run. */
  async deleteRun(runId: string): Promise<void> {
    await this.store.deleteRun(runId);
  }

  /** All runs matching the search, following pages (`maxResults` is the page size). */
  async searchRuns(req: MlflowSearchRunsRequest): Promise<MlflowRun[]> {
    const runs: MlflowRun[] = [];
    let pageToken = req.pageToken;
    do {
      const page = await this.store.searchRuns({ ...req, pageToken });
      runs.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return runs;
  }

  /** Every logged value of a metric, following pages. */
  async getMetricHistory(runId: string, key: string): Promise<MlflowMetric[]> {
    const out: MlflowMetric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.store.getMetricHistory(runId, key, pageToken);
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** Direct children of `artifactPath` (the root when omitted), following pages. */
  async listArtifacts(runId: string, artifactPath?: string): Promise<MlflowFileInfo[]> {
    const out: MlflowFileInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.store.listArtifacts(runId, checkArtifactPath(artifactPath, 'listArtifacts: artifactPath'), pageToken);
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** The bytes of one artifact file. */
  async downloadArtifact(runId: string, artifactPath: string): Promise<Buffer> {
    return this.store.downloadArtifact(runId, checkArtifactPath(artifactPath, 'downloadArtifact: artifactPath', false));
  }

  // ---- MLflow 3 logged models -------------------------------------------------------------------------------

  /**
   * Creates a LoggedModel (PENDING) in `experimentId`. Params and tags are checked like a run's; MLflow takes
   * 100 params with the create and the rest through logged-models/{id}/params, 100 at a time.
   */
  async createLoggedModel(req: { experimentId: string; name: string; sourceRunId?: string; params?: MlflowKeyValues; tags?: MlflowKeyValues }): Promise<MlflowLoggedModel> {
    const { params, tags } = prepareBatch({ params: req.params, tags: req.tags }, { limits: this.limits });
    const rec = (l: Array<{ key: string; value: string }>) => Object.fromEntries(l.map((p) => [p.key, p.value]));
    const model = await this.store.createLoggedModel({
      experimentId: req.experimentId, name: req.name, sourceRunId: req.sourceRunId, params: rec(params.slice(0, 100)), tags: rec(tags),
    });
    for (let i = 100; i < params.length; i += 100) await this.store.logLoggedModelParams(model.modelId, rec(params.slice(i, i + 100)));
    return model;
  }

  /** Every LoggedModel of the experiments matching `filter` (e.g. `name = 'model'`), following pages. */
  async searchLoggedModels(experimentIds: string[], filter?: string): Promise<MlflowLoggedModel[]> {
    const out: MlflowLoggedModel[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.store.searchLoggedModels({ experimentIds, filter, pageToken });
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  async getLoggedModel(modelId: string): Promise<MlflowLoggedModel> {
    return this.store.getLoggedModel(modelId);
  }

  /**
   * Uploads every file below `localDir`, plus `extra` files given as bytes, into the LoggedModel's artifact
   * location (`mlflow-artifacts:/<exp>/models/<model_id>/artifacts` behind the server's artifact proxy).
   */
  async logLoggedModelArtifacts(model: MlflowLoggedModel, localDir: string, extra: Array<{ rel: string; body: Buffer }> = []): Promise<number> {
    const root = proxiedArtifactRoot(model.artifactUri);
    const files = (await listLocalFiles(localDir)).map((f) => ({ ...f, rel: checkArtifactPath(f.rel, `logged model: ${f.abs} would become`, false) }));
    await mapLimit(files, this.uploadConcurrency, async (f) => {
      await this.store.uploadArtifact(joinArtifactPath(root, f.rel), () => createReadStream(f.abs), (await fs.stat(f.abs)).size);
    });
    for (const e of extra) await this.store.uploadArtifact(joinArtifactPath(root, checkArtifactPath(e.rel, 'logged model file', false)), e.body);
    return files.length + extra.length;
  }

  /** Sets a LoggedModel's final status: READY, or UPLOAD_FAILED when its files could not be uploaded. */
  async finalizeLoggedModel(modelId: string, ok: boolean): Promise<MlflowLoggedModel> {
    return this.store.finalizeLoggedModel(modelId, ok ? 'LOGGED_MODEL_READY' : 'LOGGED_MODEL_UPLOAD_FAILED');
  }

  /** Links a LoggedModel to a run as its output at `step`, unless it already is (MLflow refuses a second link). */
  async linkModelOutput(runId: string, modelId: string, step: number): Promise<void> {
    const run = await this.store.getRun(runId);
    if (run.outputs?.modelOutputs.some((o) => o.modelId === modelId)) return;
    await this.store.logOutputs(runId, [{ modelId, step }]);
  }

  /**
   * Downloads every file of a LoggedModel's artifacts into `localDir` (created), through the server's artifact
   * proxy; returns the relative paths written.
   */
  async downloadLoggedModelArtifacts(model: MlflowLoggedModel, localDir: string): Promise<string[]> {
    const root = proxiedArtifactRoot(model.artifactUri);
    const files: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const f of await this.store.listProxiedArtifacts(joinArtifactPath(root, rel))) {
        const child = joinArtifactPath(rel, checkArtifactPath(f.path.split('/').pop() ?? '', 'logged model file', false));
        if (f.isDir) await walk(child);
        else files.push(child);
      }
    };
    await walk('');
    await mapLimit(files, this.uploadConcurrency, async (rel) => {
      const dest = path.join(localDir, ...rel.split('/'));
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.writeFile(dest, await this.store.downloadProxiedArtifact(joinArtifactPath(root, rel)));
    });
    return files;
  }

  /** Downloads every file under a run's artifact folder `artifactPath` into `localDir` (created); returns the relative paths written. */
  async downloadArtifactDir(runId: string, artifactPath: string, localDir: string): Promise<string[]> {
    const base = checkArtifactPath(artifactPath, 'downloadArtifactDir: artifactPath');
    const files: string[] = [];
    const walk = async (p: string): Promise<void> => {
      for (const f of await this.listArtifacts(runId, p)) {
        if (f.isDir) await walk(f.path);
        else files.push(f.path);
      }
    };
    await walk(base);
    await mapLimit(files, this.uploadConcurrency, async (p) => {
      const rel = base ? p.slice(base.length + 1) : p;
      const dest = path.join(localDir, ...rel.split('/'));
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.writeFile(dest, await this.downloadArtifact(runId, p));
    });
    return files;
  }

  // ---- Model Registry ---------------------------------------------------------------------------------------

  /**
   * Registers a LoggedModel as a version of `name` (the registered model is created when it does not exist)
   * with `source: models:/<model_id>`, and points `alias` at that version. Safe to repeat: a version of `name`
   * whose source is already this model is reused rather than duplicated.
   */
  async registerModel(req: { name: string; modelId: string; runId?: string; alias?: string }): Promise<MlflowModelVersion> {
    try {
      await this.store.createRegisteredModel(req.name);
    } catch (e) {
      if (!(e instanceof MlflowApiError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
    }
    const source = `models:/${req.modelId}`;
    const esc = (v: string) => v.replace(/'/g, "\\'");
    let version: MlflowModelVersion | undefined;
    let pageToken: string | undefined;
    do {
      const page = await this.store.searchModelVersions(`name='${esc(req.name)}'${req.runId ? ` AND run_id='${esc(req.runId)}'` : ''}`, pageToken);
      version = page.items.find((v) => v.source === source);
      pageToken = version ? undefined : page.nextPageToken;
    } while (pageToken);
    version ??= await this.store.createModelVersion({ name: req.name, source, runId: req.runId, modelId: req.modelId });
    if (req.alias) {
      await this.store.setRegisteredModelAlias(req.name, req.alias, version.version);
      version = { ...version, aliases: [...new Set([...version.aliases, req.alias])] };
    }
    return version;
  }

  /** The run's page in the MLflow UI (model-training view). */
  runUrl(experimentId: string, runId: string): string {
    return runUrl(this.trackingUri, experimentId, runId);
  }

  /** The experiment's runs table in the MLflow UI (model-training view, headline metrics shown). */
  experimentUrl(experimentId: string): string {
    return experimentUrl(this.trackingUri, experimentId);
  }

  /** The server's MLflow version from GET /version, or null when the server does not serve it. */
  async serverVersion(): Promise<string | null> {
    try {
      return (await this.store.version()) || null;
    } catch (e) {
      if (e instanceof MlflowApiError) return null;
      throw e;
    }
  }

  /** True when GET /health answers OK (one attempt, 5 s timeout by default); never throws for an unreachable server. */
  async health(timeoutMs = 5000): Promise<boolean> {
    try {
      return (await this.store.health(timeoutMs)) === 'OK';
    } catch (e) {
      if (e instanceof MlflowApiError || e instanceof MlflowConnectionError) return false;
      throw e;
    }
  }

  private async artifactRoot(runId: string): Promise<string> {
    let uri = this.artifactRoots.get(runId);
    if (uri === undefined) {
      uri = (await this.store.getRun(runId)).info.artifactUri;
      this.artifactRoots.set(runId, uri);
    }
    return proxiedArtifactRoot(uri);
  }

  private async upload(runId: string, rel: string, localPath: string, size: number): Promise<void> {
    const dest = joinArtifactPath(await this.artifactRoot(runId), rel);
    // A factory, so a retried upload re-reads the file instead of resending a consumed stream.
    await this.store.uploadArtifact(dest, () => createReadStream(localPath), size);
  }
}
