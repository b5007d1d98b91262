// `xp register <run-id|model-id> --name N [--alias A]`: registers a run's logged model (or a logged model given
// by its id, `m-…`) in the MLflow Model Registry as a new version of N, creating N when needed, and points the
// alias at it. Prints `models:/N/<version>` (and `models:/N@A`) on stdout.
import { XpError } from '@xp/core';
import { MlflowApiError, MlflowClient, type MlflowLoggedModel, type MlflowModelVersion } from '../mlflow/index.js';
import { LOGGED_MODEL_NAME } from '../run/log-model.js';

export interface RegisterOptions {
  name: string;
  alias?: string;
  trackingUri: string;
  log?: (msg: string) => void;
}

/** The logged model `target` names: a model id, or the run whose output (or source) it is. */
export async function resolveLoggedModel(client: MlflowClient, target: string): Promise<MlflowLoggedModel> {
  if (/^m-[0-9a-f]+$/.test(target)) return client.getLoggedModel(target);
  let run;
  try {
    run = await client.getRun(target);
  } catch (e) {
    if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
      throw new XpError('XP_REGISTER_NOT_FOUND', `no MLflow run or logged model '${target}' (give a run id or a logged model id m-…)`);
    }
    throw e;
  }
  const outputs = run.outputs?.modelOutputs ?? [];
  const linked = outputs.at(-1)?.modelId;
  if (linked) return client.getLoggedModel(linked);
  // A run whose link was not sent yet: its model names it as source.
  const found = (await client.searchLoggedModels([run.info.experimentId], `name = '${LOGGED_MODEL_NAME}'`)).filter((m) => m.sourceRunId === target);
  if (!found.length) {
    throw new XpError('XP_REGISTER_NO_MODEL', `run ${target} has no logged model (was it run with mlflow.log_model: false, or is it still spooled? \`npx xp sync\` sends it)`);
  }
  return found[0];
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
