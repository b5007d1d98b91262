import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadExperiment } from '../loader.js';
import { MAX_CONFIG_BYTES } from './source.js';

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
    expect(issues[0]).toMatchObject({ file, path: '' });
    expect(issues[0].message).toMatch(/not valid UTF-8/);
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = path.join(dir, 'bom.yaml');
    await writeFile(file, '\ufeffname: bom\nmodel: { type: baseline-cnn }\n');
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
