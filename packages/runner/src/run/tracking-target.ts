import { ensureLocalServer, resolveTrackingUri } from '../mlflow/index.js';
import { stateDir } from './state-dir.js';

/** Where runs are logged: MLFLOW_TRACKING_URI when set, else the embedded local server (started for this process if none runs). */
export async function trackingTarget(log: (msg: string) => void): Promise<{ url: string; embedded: boolean }> {
  const uri = resolveTrackingUri();
  if (uri) return { url: uri, embedded: false };
  // Not detached: a server this process starts stops when it exits, so xp never leaves processes behind
  // unless asked (`xp server start`, which the quick start uses so the printed URL stays browsable).
  const server = await ensureLocalServer({ stateDir: stateDir(), detach: false });
  log(
    server.reused
      ? `MLflow: using the local server at ${server.url}`
      : `MLflow: started a local server at ${server.url} for this command; it stops when xp exits (\`npx xp ui\` keeps one running to browse)`,
  );
  return { url: server.url, embedded: true };
}
