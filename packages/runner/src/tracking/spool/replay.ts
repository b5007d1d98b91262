// Sends journal entries to MLflow, one at a time and in order. Every operation is safe to send twice: metric
// points carry their original timestamps (MLflow's SQL store keeps one row per key/timestamp/step/value, so a
// resent point is not duplicated), params are re-logged with the same value, tags and artifacts overwrite,
// and a run is created at most once (the spool id is a run tag, looked up before creating).
import path from 'node:path';
import { stringify } from 'yaml';
import { MlflowApiError, MlflowConnectionError, TRANSIENT_STATUSES, type MlflowClient, type MlflowLoggedModel } from '../../mlflow/index.js';
import type { Journal, JournalCursor, JournalEntry } from './journal.js';

/** The tag that ties an MLflow run to its spool, so replaying `create_run` never makes a second run. */
export const SPOOL_ID_TAG = 'xp.spool_id';
/** With {@link SPOOL_ID_TAG}, ties a LoggedModel to its `log_model` entry, so replaying it never makes a second model. */
export const SPOOL_SEQ_TAG = 'xp.spool_seq';

/** True when `e` means the server cannot be reached or is failing (worth retrying later), not that the data is bad. */
export function isOutage(e: unknown): boolean {
  if (e instanceof MlflowConnectionError) return true;
  return e instanceof MlflowApiError && TRANSIENT_STATUSES.has(e.status);
}

/** Sends one entry and returns the cursor after it (not yet saved). Throws what the client throws. */
export async function applyEntry(client: MlflowClient, journal: Journal, cursor: JournalCursor, entry: JournalEntry): Promise<JournalCursor> {
  if (entry.op === 'create_run') {
    if (cursor.runId) return { ...cursor, acked: entry.seq };
    const experimentId = entry.experimentId ?? (await client.getOrCreateExperiment(entry.experiment, { headline: entry.tags?.['xp.headline_metric'] }));
    const spoolId = journal.header.spoolId;
    // Looked up every time, not only after a lost answer: the cursor itself may be what was lost.
    const [found] = await client.searchRuns({ experimentIds: [experimentId], filter: `tags."${SPOOL_ID_TAG}" = '${spoolId}'`, maxResults: 1 });
    if (found) return { ...cursor, acked: entry.seq, runId: found.info.runId, experimentId };
    const run = await client.createRun({ experimentId, runName: entry.runName, startTime: entry.startTime, tags: { ...entry.tags, [SPOOL_ID_TAG]: spoolId } });
    return { ...cursor, acked: entry.seq, runId: run.info.runId, experimentId };
  }
  const runId = cursor.runId;
  if (!runId) throw new Error(`spool ${journal.dir}: entry ${entry.seq} (${entry.op}) comes before the run was created`);
  switch (entry.op) {
    case 'log_batch':
      await client.logBatch(runId, { metrics: entry.metrics, params: entry.params, tags: entry.tags });
      break;
    case 'log_inputs':
      await client.logInputs(runId, entry.inputs, entry.models);
      break;
    case 'log_text':
      await client.logText(runId, entry.text, entry.artifactFile);
      break;
    case 'log_artifact':
      await client.logArtifact(runId, path.join(journal.dir, entry.file), entry.artifactPath);
      break;
    case 'log_artifact_dir':
      await client.logArtifactDir(runId, path.join(journal.dir, entry.dir), entry.artifactPath);
      break;
    case 'update_run':
      await client.store.updateRun(runId, { status: entry.status, endTime: entry.endTime });
      break;
    case 'log_model': {
      const modelId = await applyLogModel(client, journal, cursor, entry, runId);
      return { ...cursor, acked: entry.seq, models: { ...cursor.models, [entry.seq]: modelId } };
    }
    case 'register_model': {
      const modelId = cursor.models?.[entry.modelSeq] ?? (await findSpoolModel(client, journal, cursor, entry.modelSeq, entry.modelName))?.modelId;
      if (!modelId) throw new Error(`spool ${journal.dir}: entry ${entry.seq} registers the model of entry ${entry.modelSeq}, which MLflow does not have`);
      await client.registerModel({ name: entry.name, alias: entry.alias, modelId, runId });
      break;
    }
  }
  return { ...cursor, acked: entry.seq };
}

/** The LoggedModel journal entry `seq` created, if MLflow has it (looked up by its spool tags). */
async function findSpoolModel(client: MlflowClient, journal: Journal, cursor: JournalCursor, seq: number, name: string): Promise<MlflowLoggedModel | undefined> {
  if (!cursor.experimentId) return undefined;
  const filter = `name = '${name.replace(/'/g, "\\'")}' AND tags.\`${SPOOL_ID_TAG}\` = '${journal.header.spoolId}' AND tags.\`${SPOOL_SEQ_TAG}\` = '${seq}'`;
  const [found] = await client.searchLoggedModels([cursor.experimentId], filter);
  return found;
}

type LogModelEntry = Extract<JournalEntry, { op: 'log_model' }>;

/**
 * Sends a `log_model` entry; every step is safe to repeat. The model is looked up by its spool tags before it
 * is created; a READY one is not uploaded again; the run link is checked before it is made; metric points keep
 * their timestamps. A file MLflow refuses (not an outage) finalizes the model UPLOAD_FAILED, then the error is
 * thrown (the entry is reported and skipped); an outage leaves it PENDING for the next attempt.
 */
async function applyLogModel(client: MlflowClient, journal: Journal, cursor: JournalCursor, entry: LogModelEntry, runId: string): Promise<string> {
  const experimentId = cursor.experimentId ?? (await client.getRun(runId)).info.experimentId;
  let model = await findSpoolModel(client, journal, { ...cursor, experimentId }, entry.seq, entry.name);
  model ??= await client.createLoggedModel({
    experimentId, name: entry.name, sourceRunId: runId, params: entry.params,
    tags: { ...entry.tags, [SPOOL_ID_TAG]: journal.header.spoolId, [SPOOL_SEQ_TAG]: String(entry.seq) },
  });
  if (model.status !== 'LOGGED_MODEL_READY') {
    const mlmodel = {
      ...entry.mlmodel,
      model_id: model.modelId,
      run_id: runId,
      utc_time_created: new Date(entry.createdAt).toISOString().replace('T', ' ').replace('Z', ''),
    };
    try {
      await client.logLoggedModelArtifacts(model, path.join(journal.dir, entry.dir), [{ rel: 'MLmodel', body: Buffer.from(stringify(mlmodel)) }]);
    } catch (e) {
      if (!isOutage(e)) await client.finalizeLoggedModel(model.modelId, false);
      throw e;
    }
    await client.finalizeLoggedModel(model.modelId, true);
  }
  const step = Math.max(0, ...entry.metrics.map((m) => m.step ?? 0));
  await client.linkModelOutput(runId, model.modelId, step);
  if (entry.metrics.length) await client.logBatch(runId, { metrics: entry.metrics.map((m) => ({ ...m, modelId: model.modelId })) });
  return model.modelId;
}
