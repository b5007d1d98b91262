// `xp sync`: sends the spooled runs (offline runs, or the unsent tail of runs whose server went away) to
// MLflow. Each spool goes to the server its run was meant for. A spool whose xp process still runs is left
// to that process; one whose process died without ending the run gets the run ended KILLED, so no run stays
// RUNNING forever.
import fs from 'node:fs';
import path from 'node:path';
import type { MlflowClient } from '../../mlflow/index.js';
import { Journal } from './journal.js';
import { RunTracker } from './run-tracker.js';

/** The folder holding every run's spool. */
export const spoolRoot = (stateDir: string): string => path.join(stateDir, 'spool');

/** Options of {@link syncSpools}. */
export interface SyncOptions {
  stateDir: string;
  /** A client for a spool's target: its tracking URI, or null for the embedded server. Undefined = skip it. */
  clientFor: (trackingUri: string | null) => Promise<MlflowClient | undefined>;
  /** Only spools meant for this target (the automatic sync before a run); all when omitted. */
  only?: { trackingUri: string | null };
  log?: (msg: string) => void;
  /** How long to try each spool before leaving it for later. Defaults to 60 s. */
  timeoutMs?: number;
}

/** What one sync did. */
export interface SyncReport {
  /** Spools fully sent (and removed), with their MLflow run ids. */
  synced: Array<{ spoolId: string; runId: string | undefined }>;
  /** Spools still holding unsent records (server unreachable). */
  pending: string[];
  /** Spools another live xp process is writing. */
  busy: string[];
}

/** Lists the spool folders under the state folder. */
export function listSpools(stateDir: string): string[] {
  const root = spoolRoot(stateDir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, 'spool.json')))
    .map((d) => path.join(root, d.name));
}

/** Sends every spooled run it can; safe to run any number of times (see replay.ts). */
export async function syncSpools(opts: SyncOptions): Promise<SyncReport> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const report: SyncReport = { synced: [], pending: [], busy: [] };
  for (const dir of listSpools(opts.stateDir)) {
    const journal = Journal.open(dir);
    const { spoolId, trackingUri } = journal.header;
    if (opts.only && opts.only.trackingUri !== trackingUri) continue;
    const owner = journal.liveOwner();
    if (owner !== undefined && owner !== process.pid) {
      report.busy.push(spoolId);
      continue;
    }
    const client = await opts.clientFor(trackingUri);
    if (!client) {
      report.pending.push(spoolId);
      continue;
    }
    const tracker = new RunTracker(journal, { client, log });
    if (!journal.runEnded()) {
      // The writing process is gone (owner check above) and never ended the run.
      tracker.setTags({ 'xp.killed_by': 'lost: the xp process ended without ending the run; `xp sync` closed it' });
      tracker.updateRun('KILLED');
    }
    const left = await tracker.close(opts.timeoutMs ?? 60_000);
    if (tracker.createError) {
      log(`xp sync: ${spoolId}: MLflow refused to create the run: ${tracker.createError.message}`);
      report.pending.push(spoolId);
    } else if (left > 0) {
      report.pending.push(spoolId);
    } else {
      report.synced.push({ spoolId, runId: tracker.runId });
      log(`xp sync: ${spoolId} → MLflow run ${tracker.runId}${tracker.state.rejected ? ` (${tracker.state.rejected} record(s) rejected, see the log above)` : ''}`);
    }
  }
  return report;
}
