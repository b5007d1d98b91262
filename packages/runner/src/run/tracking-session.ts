// Phase 2 of a run: the MLflow side. The journal comes first (every record is written there before it is sent),
// then the run is created (or, for --resume, set RUNNING again in place) and the connection proven; an
// unreachable server ends here with nothing trained and no spool left behind.
import type { LoadedExperiment } from '@xp/core';
import { MlflowClient, resolveTrackingUri } from '../mlflow/index.js';
import { Journal } from '../tracking/spool/journal.js';
import { RunTracker } from '../tracking/spool/run-tracker.js';
import { spoolRoot, syncSpools } from '../tracking/spool/sync.js';
import { MlflowUnreachableError } from './errors.js';
import type { ResumeState } from './resume-point.js';
import { stateDir } from './state-dir.js';
import { timingTags, type TimingMarks } from './timing.js';
import { trackingTarget } from './tracking-target.js';

/** Where a run is logged. */
export interface TrackingSession {
  client: MlflowClient | undefined;
  tracker: RunTracker;
  runId: string;
  experimentId: string;
  /** The run's UI URL, or the spool folder of an offline run. */
  url: string;
}

/** What {@link openTracking} needs besides the experiment. */
export interface OpenTrackingOptions {
  log: (msg: string) => void;
  offline?: boolean;
  resume?: { runId: string; experimentId: string; dir: string };
  resumed?: ResumeState;
  experimentId?: string;
  /** Tags of the new run (standard, xp's, the caller's, the start-up marks). */
  tags: Record<string, string>;
  marks: TimingMarks;
}

/** Opens the journal and the MLflow run; throws MlflowUnreachableError (nothing logged, no spool) when the server does not answer. */
export async function openTracking(exp: LoadedExperiment, o: OpenTrackingOptions): Promise<TrackingSession> {
  const c = exp.config;
  const target = o.offline ? undefined : await trackingTarget(o.log);
  const client = target ? new MlflowClient({ trackingUri: target.url, ...runClientOptions() }) : undefined;
  // Where the run belongs, as spools record it: the server given by MLFLOW_TRACKING_URI (even offline), else
  // null for the embedded one.
  const spoolTarget = target ? (target.embedded ? null : target.url) : (resolveTrackingUri() ?? null);
  // Runs an earlier outage left unsent go first: they are older, and the server is evidently back.
  if (client) await syncBefore(client, spoolTarget, o.log);
  const journal = Journal.create(spoolRoot(stateDir()), newSpoolId(), spoolTarget, o.resume);
  const tracker = new RunTracker(journal, { client, log: o.log });
  if (o.resume && o.resumed) {
    tracker.updateRun('RUNNING');
    tracker.setTags({ 'xp.resumed_from_epoch': String(o.resumed.completedEpochs), 'xp.resumed_at': new Date().toISOString() });
  } else {
    tracker.createRun({ experiment: c.experiment, experimentId: o.experimentId, runName: c.name, tags: { ...o.tags, ...timingTags(o.marks) } });
  }
  if (client) {
    const connected = await tracker.flush(60_000, { untilOutage: true });
    if (!connected) {
      const why = tracker.createError?.message ?? tracker.lastOutage?.message ?? 'no answer within 60 s';
      await tracker.close(0, { quiet: true });
      journal.remove();
      if (tracker.createError) throw tracker.createError;
      throw new MlflowUnreachableError(client.trackingUri, why);
    }
  } else {
    o.log(`offline: nothing is sent; the run is kept in ${journal.dir} until \`npx xp sync\``);
  }
  const runId = tracker.runId ?? tracker.journal.header.spoolId;
  const experimentId = tracker.experimentId ?? '';
  const url = client ? client.runUrl(experimentId, runId) : tracker.journal.dir;
  o.log(client ? `MLflow run: ${url}` : `offline run ${runId}`);
  return { client, tracker, runId, experimentId, url };
}

// The background sender retries briefly itself (the spool is the long-term retry), so an outage is noticed
// in seconds rather than after MLflow's default five retries. The MLFLOW_HTTP_REQUEST_* variables still win.
function runClientOptions() {
  const env = process.env;
  return {
    maxRetries: env.MLFLOW_HTTP_REQUEST_MAX_RETRIES ? undefined : 2,
    backoffFactorMs: env.MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR ? undefined : 500,
    timeoutMs: env.MLFLOW_HTTP_REQUEST_TIMEOUT ? undefined : 30_000,
  };
}

async function syncBefore(client: MlflowClient, trackingUri: string | null, log: (msg: string) => void): Promise<void> {
  const report = await syncSpools({ stateDir: stateDir(), clientFor: async () => client, only: { trackingUri }, log, timeoutMs: 15_000 });
  if (report.synced.length) log(`MLflow: sent ${report.synced.length} spooled run(s) from an earlier outage or offline run`);
}

function newSpoolId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
