// A run's logged model: the one linked to the run as its output, else (a link not sent yet) the one naming the
// run as its source. `xp register` and model references (`runs:/<run-id>`) both start from a run.
import { XpError } from '@xp/core';
import { MlflowApiError, type MlflowClient, type MlflowLoggedModel } from '../mlflow/index.js';
import { LOGGED_MODEL_NAME } from '../run/log-model.js';

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
