// Where runs are tracked: MLFLOW_TRACKING_URI when the user set it, else the server xp manages.
import { MlflowTrackingUriError } from './errors.js';

/**
 * The tracking server URL from MLFLOW_TRACKING_URI (trailing slashes removed), or null when it is unset
 * or empty, in which case the caller starts or reuses the managed server (ensureLocalServer).
 * Only http(s) servers are supported: `file:`/`sqlite:` stores and `databricks` need MLflow's Python
 * client, so they are rejected with a message naming the variable rather than misread.
 * @example resolveTrackingUri({ MLFLOW_TRACKING_URI: 'http://mlflow.internal:5000/' }) // 'http://mlflow.internal:5000'
 */
export function resolveTrackingUri(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env.MLFLOW_TRACKING_URI?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MlflowTrackingUriError(raw, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MlflowTrackingUriError(raw, `uses ${url.protocol.replace(/:$/, '')}, but xp talks to MLflow only over http or https`);
  }
  if (url.search || url.hash) throw new MlflowTrackingUriError(raw, 'has a query or fragment');
  return raw.replace(/\/+$/, '');
}
