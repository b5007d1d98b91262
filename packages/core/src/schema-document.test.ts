import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { experimentSchema, ExperimentSchema } from './schema/experiment.js';
import { experimentJsonSchema, experimentJsonSchemaText } from './schema-document.js';
import { REGISTRIES } from './testing/registries.testing.js';

// The committed schema/experiment.schema.json is written with the runner's built-in registries, and the runner's
// test checks it is up to date. Here: the document core makes from whatever registries it is given.
describe('experimentJsonSchema', () => {
  it('is the TypeBox schema with the given registries plus the document header', () => {
    const { $schema, $id, title, ...body } = experimentJsonSchema(REGISTRIES);
    expect({ $schema, $id, title }).toEqual({ $schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:xp:experiment', title: 'xp experiment' });
    expect(body).toEqual(JSON.parse(JSON.stringify(experimentSchema(REGISTRIES))));
    // Without registries: the generic schema, registry sections open.
    const { $schema: _s, $id: _i, title: _t, ...open } = experimentJsonSchema();
    expect(open).toEqual(JSON.parse(JSON.stringify(ExperimentSchema)));
  });

  it('has a text form that is the pretty document with a final newline', () => {
    const text = experimentJsonSchemaText(REGISTRIES);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(experimentJsonSchema(REGISTRIES));
    expect(text).toBe(JSON.stringify(experimentJsonSchema(REGISTRIES), null, 2) + '\n');
  });

  it('only requires keys without a default', () => {
    expect(experimentJsonSchema(REGISTRIES).required).toEqual(['name', 'data', 'model']);
    expect(experimentJsonSchema().required).toEqual(['name', 'data', 'model']);
  });

  it('accepts a minimal file as an editor would see it (no defaults filled in)', async () => {
    const validate = new Ajv({ allErrors: true }).compile(experimentJsonSchema(REGISTRIES));
    const text = await readFile(new URL('../test/fixtures/valid.yaml', import.meta.url), 'utf8');
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...parse(text), model: { type: 'resnet' } })).toBe(false);
    expect(validate({ ...parse(text), data: { type: 'nope' } })).toBe(false);
    expect(validate({ ...parse(text), data: { type: 'mnist_sequences', max_len: 'three' } })).toBe(false);
    expect(validate({ name: 'x', model: { type: 'baseline-cnn' } })).toBe(false);
  });

  it('without registries, takes any data and model that name a type', async () => {
    const validate = new Ajv({ allErrors: true }).compile(experimentJsonSchema());
    expect(validate({ name: 'x', data: { type: 'anything', rows: 3 }, model: { type: 'resnet', depth: 50 } }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ name: 'x', data: { rows: 3 }, model: { type: 'resnet' } })).toBe(false);
    expect(validate({ name: 'x', data: { type: 'anything' }, model: 5 })).toBe(false);
  });
});
