import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ExperimentSchema } from './schema/experiment.js';
import { experimentJsonSchema, experimentJsonSchemaText } from './schema-document.js';

const committed = new URL('../../../schema/experiment.schema.json', import.meta.url);

describe('schema/experiment.schema.json', () => {
  it('is up to date (run `npm run schema -w @xp/core` and commit the result)', async () => {
    expect(await readFile(committed, 'utf8')).toBe(experimentJsonSchemaText());
  });

  it('is the TypeBox schema plus the document header', () => {
    const { $schema, $id, title, ...body } = experimentJsonSchema();
    expect({ $schema, $id, title }).toEqual({ $schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:xp:experiment', title: 'xp experiment' });
    expect(body).toEqual(JSON.parse(JSON.stringify(ExperimentSchema)));
  });

  it('only requires keys without a default', () => {
    expect(experimentJsonSchema().required).toEqual(['name', 'model']);
  });

  it('accepts a minimal file as an editor would see it (no defaults filled in)', async () => {
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(await readFile(committed, 'utf8')));
    const text = await readFile(new URL('../test/fixtures/valid.yaml', import.meta.url), 'utf8');
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ name: 'x', model: { type: 'resnet' } })).toBe(false);
  });
});
