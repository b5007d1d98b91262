import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadExperiment } from '../testing/registries.testing.js';
import { firstInvalidUtf8, MAX_CONFIG_BYTES } from './source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xp-source-'));
});

async function issuesOf(file: string) {
  const e = await loadExperiment(file).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).issues;
}

describe('reading experiment files', () => {
  it('rejects non-UTF-8 bytes before parsing', async () => {
    const file = path.join(dir, 'latin1.yaml');
    await writeFile(file, Buffer.from([...Buffer.from('name: caf'), 0xe9, 0x0a])); // "café" in Latin-1
    const issues = await issuesOf(file);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file, path: '', line: 1, col: 10 });
    expect(issues[0].message).toMatch(/not valid UTF-8 text: byte 0xE9 here/);
  });

  it('points at the first invalid byte after valid multi-byte characters', async () => {
    const file = path.join(dir, 'mixed.yaml');
    // line 2: "é" (2 bytes) and "€" (3 bytes) are fine, then a lone continuation byte
    await writeFile(file, Buffer.concat([Buffer.from('name: x\nd: é€'), Buffer.from([0x80]), Buffer.from('\n')]));
    expect((await issuesOf(file))[0]).toMatchObject({ line: 2, col: 6 });
  });

  it.each([
    ['an overlong form', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('finds %s', (_, bad) => {
    expect(firstInvalidUtf8(Uint8Array.from([0x61, ...bad, 0x62]))).toBe(1);
  });

  it('finds nothing in valid UTF-8', () => {
    expect(firstInvalidUtf8(new TextEncoder().encode('a é € 😀'))).toBeUndefined();
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = path.join(dir, 'bom.yaml');
    await writeFile(file, '\ufeffname: bom\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences }\n');
    expect((await loadExperiment(file)).config.name).toBe('bom');
  });

  it('rejects files over the size limit as too large', async () => {
    const file = path.join(dir, 'huge.yaml');
    await writeFile(file, `name: huge\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    const issues = await issuesOf(file);
    expect(issues[0].message).toMatch(/too large/);
  });

  it('reports a missing file', async () => {
    const file = path.join(dir, 'nope.yaml');
    expect((await issuesOf(file))[0]).toMatchObject({ file, message: expect.stringMatching(/not found/) });
  });
});
