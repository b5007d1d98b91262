// Resolution that needs no server: local folders, a model id already in the cache, and where the cache is.
// (Resolution through MLflow is tested against a real server in test/e2e/predict.test.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelInputError } from './errors.js';
import { modelCacheDir, resolveModel } from './resolve-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-resolve-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const noServer = async (): Promise<string> => {
  throw new Error('no server should be asked');
};

describe('resolveModel without a server', () => {
  it('takes a local folder as it is', async () => {
    const r = await resolveModel(tmp, { trackingUri: noServer });
    expect(r).toMatchObject({ dir: tmp, cached: true, parsed: { kind: 'local' } });
  });

  it('serves a model id from the cache when a complete copy is there, and asks the server otherwise', async () => {
    const cache = path.join(tmp, 'cache');
    fs.mkdirSync(path.join(cache, 'm-abc'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'm-abc', 'model.json'), '{}');
    const r = await resolveModel('models:/m-abc', { cacheDir: cache, trackingUri: noServer });
    expect(r).toMatchObject({ dir: path.join(cache, 'm-abc'), modelId: 'm-abc', cached: true });
    // A partial download (no model.json yet) is not a copy.
    fs.mkdirSync(path.join(cache, 'm-def'));
    await expect(resolveModel('m-def', { cacheDir: cache, trackingUri: noServer })).rejects.toThrow(/no server should be asked/);
  });

  it('refuses a path that is no folder', async () => {
    await expect(resolveModel(path.join(tmp, 'missing'), { trackingUri: noServer })).rejects.toBeInstanceOf(ModelInputError);
  });
});

describe('modelCacheDir', () => {
  it('is XP_MODEL_CACHE, else under XDG_CACHE_HOME, else ~/.cache (empty variables count as unset)', () => {
    expect(modelCacheDir({ XP_MODEL_CACHE: '/c/models', XDG_CACHE_HOME: '/x' })).toBe('/c/models');
    expect(modelCacheDir({ XP_MODEL_CACHE: '', XDG_CACHE_HOME: '/x' })).toBe('/x/xp/models');
    expect(modelCacheDir({ XDG_CACHE_HOME: '', HOME: '/home/u' })).toBe('/home/u/.cache/xp/models');
  });
});
