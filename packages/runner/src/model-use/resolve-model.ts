// From a model reference to a local folder: MLflow is asked which logged model the reference means (a run's
// output, a registry version or alias, an id), and its files are downloaded once into the model cache, keyed
// by the model's id, so the next call (and any process on this machine) reuses them without the network.
import type { MlflowClient } from '../mlflow/index.js';
import { ModelInputError } from './errors.js';
import { parseModelRef, type ModelRef } from './model-ref.js';

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
  void opts;
  throw new ModelInputError('reference', `resolving ${parsed.kind} references is not implemented yet`);
}

/** The model cache root: XP_MODEL_CACHE, else `${XDG_CACHE_HOME:-~/.cache}/xp/models` (beside the MLflow venv). */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  void env;
  throw new Error('not implemented yet');
}
