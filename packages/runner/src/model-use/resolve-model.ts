// From a model reference to a local folder: MLflow is asked which logged model the reference means (a run's
// output, a registry version or alias, an id), and its files are downloaded once into the model cache, keyed
// by the model's id, so the next call (and any process on this machine) reuses them without the network.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { XpError } from '@xp/core';
import { MlflowApiError, MlflowClient, resolveTrackingUri, type MlflowLoggedModel } from '../mlflow/index.js';
import { LOGGED_MODEL_NAME } from '../run/log-model.js';
import { ModelInputError } from './errors.js';
import { parseModelRef, type ModelRef } from './model-ref.js';
import { resolveLoggedModel } from './run-model.js';

/** How to reach MLflow and where to keep models. */
export interface ResolveOptions {
  /**
   * The tracking server, or a function giving it (called only when the reference needs MLflow, so a local
   * folder or a cached model id works without a server).
   */
  trackingUri?: string | (() => Promise<string>);
  /** An existing client (a server resolving many references); overrides `trackingUri`. */
  client?: MlflowClient;
  /** The cache root; defaults to {@link modelCacheDir}. */
  cacheDir?: string;
  /** Progress notes (downloads), one line each. */
  log?: (msg: string) => void;
}

/** A model on this machine. */
export interface ResolvedModel {
  /** The folder holding `model.json`, the weights and `preprocessing.json`. */
  dir: string;
  /** The reference as given. */
  ref: string;
  /** The parsed reference. */
  parsed: ModelRef;
  /** The MLflow 3 logged model id, when the model is one. */
  modelId?: string;
  /** The run that produced it, when known. */
  runId?: string;
  /** The registry version it was reached through, when it was. */
  registered?: { name: string; version: string };
  /** True when the files came from the cache without a download. */
  cached: boolean;
}

/**
 * Resolves `ref` (see model-ref.ts) to a local folder, downloading into the cache when needed.
 * Throws ModelInputError for a reference that names nothing (no such run, version, alias or folder).
 */
export async function resolveModel(ref: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const parsed = parseModelRef(ref);
  const cacheRoot = opts.cacheDir ?? modelCacheDir();
  if (parsed.kind === 'local') {
    const dir = path.resolve(parsed.dir);
    const st = await fs.stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new ModelInputError('reference', `'${ref}' is not a model folder, a logged model id (m-…), runs:/<run-id> or models:/<name>/<version|@alias>`);
    }
    return { dir, ref, parsed, cached: true };
  }
  // A model id names immutable files: a cached copy needs no server.
  if (parsed.kind === 'logged') {
    const hit = await cached(cacheRoot, parsed.modelId);
    if (hit) return { dir: hit, ref, parsed, modelId: parsed.modelId, cached: true };
  }
  const client = opts.client ?? new MlflowClient({ trackingUri: typeof opts.trackingUri === 'function' ? await opts.trackingUri() : (opts.trackingUri ?? defaultUri()) });
  const found = await findModel(client, parsed, ref);
  if (found.model) {
    const model = found.model;
    if (model.status !== 'LOGGED_MODEL_READY') {
      throw new ModelInputError('reference', `'${ref}' is logged model ${model.modelId}, which is ${model.status.replace('LOGGED_MODEL_', '')}: its files are not all in MLflow`);
    }
    const base = { ref, parsed, modelId: model.modelId, runId: model.sourceRunId, registered: found.registered };
    const hit = await cached(cacheRoot, model.modelId);
    if (hit) return { ...base, dir: hit, cached: true };
    opts.log?.(`downloading model ${model.modelId} from ${client.trackingUri}`);
    const dir = await intoCache(cacheRoot, model.modelId, (tmp) => client.downloadLoggedModelArtifacts(model, tmp));
    return { ...base, dir, cached: false };
  }
  // The model files among a run's artifacts (a run whose model was not logged as a LoggedModel).
  const { runId, path: artifactPath } = found.runFiles!;
  const key = path.join('runs', runId, ...artifactPath.split('/'));
  const base = { ref, parsed, runId, registered: found.registered };
  const hit = await cached(cacheRoot, key);
  if (hit) return { ...base, dir: hit, cached: true };
  opts.log?.(`downloading ${artifactPath}/ of run ${runId} from ${client.trackingUri}`);
  const dir = await intoCache(cacheRoot, key, async (tmp) => {
    const files = await client.downloadArtifactDir(runId, artifactPath, tmp);
    if (!files.length) throw new ModelInputError('reference', `run ${runId} has no artifacts under '${artifactPath}/'`);
    // A run without a logged model can still have files there (xp's model/summary.txt): not a model, so not cached.
    if (!files.includes(`${artifactPath}/model.json`)) throw new ModelInputError('reference', `run ${runId} has no artifacts under '${artifactPath}/' that make a model (no model.json)`);
    return files;
  });
  return { ...base, dir, cached: false };
}

/** What a reference names in MLflow: a LoggedModel, or model files among a run's artifacts. */
interface Found {
  model?: MlflowLoggedModel;
  runFiles?: { runId: string; path: string };
  registered?: { name: string; version: string };
}

async function findModel(client: MlflowClient, r: ModelRef, ref: string): Promise<Found> {
  // MLflow answers a missing alias with INVALID_PARAMETER_VALUE, a missing version or model with RESOURCE_DOES_NOT_EXIST.
  const notFound = (what: string) => (e: unknown) => {
    if (e instanceof MlflowApiError && (e.errorCode === 'RESOURCE_DOES_NOT_EXIST' || e.errorCode === 'INVALID_PARAMETER_VALUE' || e.status === 404)) {
      throw new ModelInputError('reference', `'${ref}': ${what}${e.serverMessage ? ` (MLflow: ${e.serverMessage})` : ''}`, { cause: e });
    }
    throw e;
  };
  switch (r.kind) {
    case 'logged':
      return { model: await client.getLoggedModel(r.modelId).catch(notFound(`no logged model ${r.modelId} on ${client.trackingUri}`)) };
    case 'version':
    case 'alias': {
      const v =
        r.kind === 'version'
          ? await client.store.getModelVersion(r.name, r.version).catch(notFound(`registered model '${r.name}' has no version ${r.version} (or does not exist)`))
          : await client.store.getModelVersionByAlias(r.name, r.alias).catch(notFound(`registered model '${r.name}' has no alias '${r.alias}' (or does not exist)`));
      const registered = { name: v.name || r.name, version: v.version };
      const modelId = v.modelId ?? /^models:\/(m-[0-9a-f]+)$/.exec(v.source)?.[1];
      if (modelId) return { model: await client.getLoggedModel(modelId).catch(notFound(`its logged model ${modelId} no longer exists`)), registered };
      const run = /^runs:\/([0-9a-f]{32})\/?(.*)$/.exec(v.source);
      if (run) return { ...(await fromRun(client, run[1], run[2].replace(/\/+$/, ''), ref)), registered };
      throw new ModelInputError('reference', `'${ref}': version ${v.version}'s source '${v.source}' is neither a logged model nor a run's artifacts`);
    }
    case 'run':
      return fromRun(client, r.runId, r.path, ref);
    case 'local':
      throw new Error('unreachable: local folders need no MLflow');
  }
}

/** A run's logged model (`runs:/<id>` or `runs:/<id>/model`), else the model files under the artifact path. */
async function fromRun(client: MlflowClient, runId: string, artifactPath: string, ref: string): Promise<Found> {
  if (artifactPath === '' || artifactPath === LOGGED_MODEL_NAME) {
    try {
      return { model: await resolveLoggedModel(client, runId) };
    } catch (e) {
      if (e instanceof XpError && e.code === 'XP_REGISTER_NOT_FOUND') throw new ModelInputError('reference', `'${ref}': no MLflow run ${runId} on ${client.trackingUri}`, { cause: e });
      if (!(e instanceof XpError && e.code === 'XP_REGISTER_NO_MODEL')) throw e;
    }
  } else {
    await client.getRun(runId).catch((e: unknown) => {
      if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw new ModelInputError('reference', `'${ref}': no MLflow run ${runId} on ${client.trackingUri}`, { cause: e });
      throw e;
    });
  }
  return { runFiles: { runId, path: artifactPath || LOGGED_MODEL_NAME } };
}

/** The cached folder of `key`, when a complete copy is there (a copy only gets its name once complete). */
async function cached(root: string, key: string): Promise<string | undefined> {
  const dir = path.join(root, key);
  const st = await fs.stat(path.join(dir, 'model.json')).catch(() => undefined);
  return st?.isFile() ? dir : undefined;
}

/**
 * Fills a temporary folder beside the cache entry and renames it into place, so a reader never sees half a
 * model and two processes downloading the same model at once both end with one complete copy.
 */
async function intoCache(root: string, key: string, fill: (tmp: string) => Promise<unknown>): Promise<string> {
  const dir = path.join(root, key);
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const tmp = await fs.mkdtemp(`${dir}.partial-`);
  try {
    await fill(tmp);
    await fs.rename(tmp, dir);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    // Another process finished the same model first: its copy is as good as ours.
    if (await cached(root, key)) return dir;
    throw e;
  }
  return dir;
}

function defaultUri(): string {
  const uri = resolveTrackingUri();
  if (!uri) throw new ModelInputError('reference', 'this reference needs an MLflow server: set MLFLOW_TRACKING_URI or start one with `npx xp server start`');
  return uri;
}

/** The model cache root: XP_MODEL_CACHE, else `${XDG_CACHE_HOME:-~/.cache}/xp/models` (beside the MLflow venv). */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  // `||`, not `??`: like bash's ${VAR:-default}, an empty variable counts as unset (as mlflowVenvDir does).
  if (env.XP_MODEL_CACHE) return path.resolve(env.XP_MODEL_CACHE);
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(cache, 'xp', 'models');
}
