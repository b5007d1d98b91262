// Artifact path helpers: where a run's artifacts live behind the server's artifact proxy, which artifact
// paths are acceptable, and which local files a directory upload sends.
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
 * Checks that `p` is a relative artifact path such as `plots/loss.png` and returns it unchanged; `''` or
 * `undefined` (the run's root) give `''` unless `what` must name a file.
 *
 * Refused rather than normalised: absolute paths, `..` and `.` segments, empty segments (`a//b`, a leading or
 * trailing `/`), backslashes, drive letters (`C:`) and control characters. The server joins the path onto the
 * run's artifact root, so each of these could land outside it or somewhere else than asked on some store (a
 * `\` is a separator on a Windows server, a file name character on a POSIX one); rewriting them would hide
 * the caller's bug instead of reporting it.
 *
 * @param what - How the caller names the path in the error, e.g. `logText: artifactFile`. Defaults to `artifact path`.
 * @param allowRoot - Whether `''` (the run's root) is acceptable. Defaults to true.
 * @throws MlflowInvalidInputError naming the path and the rule it breaks, before any request is made.
 */
export function checkArtifactPath(p: string | undefined, what = 'artifact path', allowRoot = true): string {
  const fail = (why: string) => new MlflowInvalidInputError(`${what} ${JSON.stringify(p)} ${why}; use a relative path of '/'-separated names, e.g. "plots/loss.png"`);
  if (p === undefined || p === '') {
    if (allowRoot) return '';
    throw fail('is empty: it must name a file');
  }
  if (p.startsWith('/')) throw fail('is absolute');
  if (/^[A-Za-z]:/.test(p)) throw fail('starts with a drive letter');
  if (p.includes('\\')) throw fail("contains a backslash (only '/' separates names)");
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  if (/[\u0000-\u001f\u007f]/.test(p)) throw fail('contains a control character');
  const segments = p.split('/');
  if (segments.includes('..')) throw fail("contains a '..' segment");
  if (segments.includes('.')) throw fail("contains a '.' segment");
  if (segments.includes('')) throw fail("has an empty segment ('//', or a '/' at the end)");
  return p;
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
