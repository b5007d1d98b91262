import { describe, expect, it } from 'vitest';
import { ModelInputError } from './errors.js';
import { formatModelRef, parseModelRef } from './model-ref.js';

const RUN = '0123456789abcdef0123456789abcdef';

describe('parseModelRef', () => {
  it.each([
    [`runs:/${RUN}`, { kind: 'run', runId: RUN, path: '' }],
    [`runs:/${RUN}/model`, { kind: 'run', runId: RUN, path: 'model' }],
    [`runs:/${RUN}/checkpoints/best/`, { kind: 'run', runId: RUN, path: 'checkpoints/best' }],
    ['models:/digits/3', { kind: 'version', name: 'digits', version: '3' }],
    ['models:/team/digits/12', { kind: 'version', name: 'team/digits', version: '12' }],
    ['models:/digits@champion', { kind: 'alias', name: 'digits', alias: 'champion' }],
    ['models:/m-0a1b2c3d', { kind: 'logged', modelId: 'm-0a1b2c3d' }],
    ['m-4f5e6d', { kind: 'logged', modelId: 'm-4f5e6d' }],
    ['./some/folder', { kind: 'local', dir: './some/folder' }],
    ['/abs/model', { kind: 'local', dir: '/abs/model' }],
    ['C:\\models\\x', { kind: 'local', dir: 'C:\\models\\x' }],
  ])('%s', (ref, want) => {
    const parsed = parseModelRef(ref);
    expect(parsed).toEqual(want);
    // Written back, a reference parses to the same thing.
    expect(parseModelRef(formatModelRef(parsed))).toEqual(parsed);
  });

  it.each([
    ['', /empty model reference/],
    ['runs:/abc', /'abc' is not an MLflow run id/],
    [`runs:/${RUN}/../x`, /may not contain/],
    ['models:/digits', /expected models:\/<name>\/<version>/],
    ['models:/digits/latest', /expected models:\/<name>\/<version>/],
    ['models:/digits/0', /expected models:\/<name>\/<version>/],
    ['models:/digits@', /alias after '@' is empty/],
    ['s3://bucket/model', /unknown scheme 's3:'/],
  ])('refuses %j as a ModelInputError', (ref, message) => {
    let err: unknown;
    try {
      parseModelRef(ref);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelInputError);
    expect((err as ModelInputError).kind).toBe('reference');
    expect((err as Error).message).toMatch(message);
  });
});
