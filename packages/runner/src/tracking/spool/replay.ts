// Sends journal entries to MLflow, one at a time and in order. Every operation is safe to send twice: metric
// points carry their original timestamps (MLflow's SQL store keeps one row per key/timestamp/step/value, so a
// resent point is not duplicated), params are re-logged with the same value, tags and artifacts overwrite,
// and a run is created at most once (the spool id is a run tag, looked up before creating).
import path from 'node:path';
import { MlflowApiError, MlflowConnectionError, TRANSIENT_STATUSES, type MlflowClient } from '../../mlflow/index.js';
import type { Journal, JournalCursor, JournalEntry } from './journal.js';

/** The tag that ties an MLflow run to its spool, so replaying `create_run` never makes a second run. */
export const SPOOL_ID_TAG = 'xp.spool_id';

/** True when `e` means the server cannot be reached or is failing (worth retrying later), not that the data is bad. */
export function isOutage(e: unknown): boolean {
  if (e instanceof MlflowConnectionError) return true;
  return e instanceof MlflowApiError && TRANSIENT_STATUSES.has(e.status);
}

/** Sends one entry and returns the cursor after it (not yet saved). Throws what the client throws. */
export async function applyEntry(client: MlflowClient, journal: Journal, cursor: JournalCursor, entry: JournalEntry): Promise<JournalCursor> {
  if (entry.op === 'create_run') {
    if (cursor.runId) return { ...cursor, acked: entry.seq };
    const experimentId = entry.experimentId ?? (await client.getOrCreateExperiment(entry.experiment));
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
      await client.logInputs(runId, entry.inputs);
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
  }
  return { ...cursor, acked: entry.seq };
}
