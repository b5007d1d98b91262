import { ensureLocalServer, resolveTrackingUri } from '../mlflow/index.js';
import { stateDir } from './state-dir.js';

/** Where runs are logged: MLFLOW_TRACKING_URI when set, else the embedded local server (started if needed). */
export async function trackingTarget(log: (msg: string) => void): Promise<{ url: string; embedded: boolean }> {
  const uri = resolveTrackingUri();
  if (uri) return { url: uri, embedded: false };
  const server = await ensureLocalServer({ stateDir: stateDir(), detach: true });
  log(`MLflow: ${server.reused ? 'using' : 'started'} the local server at ${server.url} (UI: open it in a browser)`);
  return { url: server.url, embedded: true };
}
