// `xp register <run-id|model-id> --name N [--alias A]`: registers a run's logged model (or a logged model given
// by its id, `m-…`) in the MLflow Model Registry as a new version of N, creating N when needed, and points the
// alias at it. Prints `models:/N/<version>` (and `models:/N@A`) on stdout.
import { XpError } from '@xp/core';
import { MlflowClient, type MlflowModelVersion } from '../mlflow/index.js';
import { resolveLoggedModel } from '../model-use/run-model.js';

export { resolveLoggedModel };

export interface RegisterOptions {
  name: string;
  alias?: string;
  trackingUri: string;
  log?: (msg: string) => void;
}

/** Registers the logged model `target` names; returns the version. */
export async function registerCommand(target: string, opts: RegisterOptions): Promise<MlflowModelVersion> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const client = new MlflowClient({ trackingUri: opts.trackingUri });
  const model = await resolveLoggedModel(client, target);
  if (model.status !== 'LOGGED_MODEL_READY') {
    throw new XpError('XP_REGISTER_NOT_READY', `logged model ${model.modelId} is ${model.status.replace('LOGGED_MODEL_', '')}, not READY: its files are not all in MLflow`);
  }
  const version = await client.registerModel({ name: opts.name, alias: opts.alias, modelId: model.modelId, runId: model.sourceRunId });
  log(`registered ${model.modelId} as ${opts.name} version ${version.version}${opts.alias ? ` (alias ${opts.alias})` : ''}`);
  process.stdout.write(`models:/${opts.name}/${version.version}\n`);
  if (opts.alias) process.stdout.write(`models:/${opts.name}@${opts.alias}\n`);
  return version;
}
