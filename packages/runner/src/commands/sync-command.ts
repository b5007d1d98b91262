import { MlflowClient, ensureLocalServer } from '../mlflow/index.js';
import { stateDir } from '../run/state-dir.js';
import { syncSpools } from '../tracking/spool/sync.js';

/** `xp sync`: sends spooled runs to their MLflow servers; false when some are still unsent. */
export async function syncCommand(): Promise<boolean> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const dir = stateDir();
  const report = await syncSpools({
    stateDir: dir,
    log,
    clientFor: async (uri) => {
      const url = uri ?? (await ensureLocalServer({ stateDir: dir, detach: true })).url;
      const client = new MlflowClient({ trackingUri: url, maxRetries: 2, backoffFactorMs: 500 });
      if (await client.health()) return client;
      log(`xp sync: MLflow at ${url} is not reachable; its spooled runs stay for the next sync`);
      return undefined;
    },
  });
  const parts = [`${report.synced.length} run(s) sent`];
  if (report.pending.length) parts.push(`${report.pending.length} still spooled`);
  if (report.busy.length) parts.push(`${report.busy.length} still being written by a running xp`);
  log(`xp sync: ${parts.join(', ')}`);
  for (const s of report.synced) if (s.runId) process.stdout.write(`${s.runId}\n`);
  return report.pending.length === 0;
}
