// Artifact path helpers: where a run's artifacts live behind the server's artifact proxy, and which
// local files a directory upload sends.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlflowInvalidInputError } from './errors.js';

const PROXY_ROUTE = '/api/2.0/mlflow-artifacts/artifacts/';

/**
 * The path under the server's `--artifacts-destination` of a run's artifact root, taken from the run's
 * `artifact_uri`: `mlflow-artifacts:/1/<run>/artifacts` (or `mlflow-artifacts://host/1/<run>/artifacts`,
 * or `http(s)://host/api/2.0/mlflow-artifacts/artifacts/1/<run>/artifacts`) gives `1/<run>/artifacts`.
 * Any other scheme (s3:, file:, a local path) means the server does not proxy this run's artifacts.
 */
export function proxiedArtifactRoot(artifactUri: string): string {
  let rest: string | undefined;
  if (artifactUri.startsWith('mlflow-artifacts:')) {
    rest = artifactUri.slice('mlflow-artifacts:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2).replace(/^[^/]*/, ''); // drop the authority
  } else if (/^https?:\/\//.test(artifactUri) && artifactUri.includes(PROXY_ROUTE)) {
    rest = artifactUri.slice(artifactUri.indexOf(PROXY_ROUTE) + PROXY_ROUTE.length);
  }
  if (rest === undefined) {
    throw new MlflowInvalidInputError(
      `the run's artifact_uri ${JSON.stringify(artifactUri)} is not served by the tracking server's artifact proxy; ` +
        'start `mlflow server` with --serve-artifacts (the default) and without --default-artifact-root, or upload with that store\'s own tools',
    );
  }
  return rest.replace(/^\/+|\/+$/g, '');
}

/**
 * Normalises a relative artifact path (`a/b.txt`; backslashes become `/`); '' stays ''.
 * Absolute paths and `..` segments are rejected: the server resolves artifact paths under the run's root.
 */
export function normalizeArtifactPath(p: string | undefined): string {
  if (!p) return '';
  const parts = p.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (p.startsWith('/') || parts.includes('..')) {
    throw new MlflowInvalidInputError(`artifact path ${JSON.stringify(p)} must be relative and must not contain '..'`);
  }
  return parts.join('/');
}

/** Joins artifact path parts, skipping empty ones. */
export function joinArtifactPath(...parts: string[]): string {
  return parts.filter((s) => s !== '').join('/');
}

/** Files under `dir` (recursively, symlinks to files followed), as `{abs, rel}` with `/`-separated `rel`. */
export async function listLocalFiles(dir: string): Promise<Array<{ abs: string; rel: string }>> {
  const out: Array<{ abs: string; rel: string }> = [];
  async function walk(abs: string, rel: string): Promise<void> {
    const dirents = await fs.readdir(abs, { withFileTypes: true });
    dirents.sort((a, b) => a.name.localeCompare(b.name));
    for (const d of dirents) {
      const childAbs = path.join(abs, d.name);
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      const isDir = d.isDirectory() || (d.isSymbolicLink() && (await fs.stat(childAbs)).isDirectory());
      if (isDir) await walk(childAbs, childRel);
      else out.push({ abs: childAbs, rel: childRel });
    }
  }
  await walk(dir, '');
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure rejects. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
