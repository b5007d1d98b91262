import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileSchema, experimentJsonSchemaText } from '@xp/core';
import { NO_PLUGINS } from './plugins/load-plugins.js';

const committed = new URL('../../../schema/experiment.schema.json', import.meta.url);

describe('schema/experiment.schema.json', () => {
  it('is up to date with the built-in registries (run `npm run schema -w @xp/runner` and commit the result)', async () => {
    expect(await readFile(committed, 'utf8')).toBe(experimentJsonSchemaText(NO_PLUGINS.extensions));
  });

  it('knows every built-in dataset, model and task, and refuses an unknown one', async () => {
    const validate = compileSchema(JSON.parse(await readFile(committed, 'utf8')));
    const text = await readFile(new URL('../../../experiments/mnist-seq/01-baseline.yaml', import.meta.url), 'utf8');
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [{ data: { type: 'nope' } }, { model: { type: 'resnet' } }, { task: { type: 'nope' } }]) {
      expect(validate({ ...parse(text), ...bad })).toBe(false);
    }
  });
});
