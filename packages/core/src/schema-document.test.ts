import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { experimentSchema, ExperimentSchema } from './schema/experiment.js';
import { compileEditorSchema, experimentJsonSchema, experimentJsonSchemaText, partialSchema, sweepJsonSchema, sweepJsonSchemaText } from './schema-document.js';
import { SweepFileSchema } from './sweep/schema.js';
import { REGISTRIES } from './testing/registries.testing.js';

// The committed schema/experiment.schema.json is written with the runner's built-in registries, and the runner's
// test checks it is up to date. Here: the document core makes from whatever registries it is given.
describe('experimentJsonSchema', () => {
  it('is the TypeBox schema with the given registries, as editors check it: complete without extends, partial with', () => {
    const doc = experimentJsonSchema(REGISTRIES);
    const { $schema, $id, title, description, if: cond, then, else: strict, ...rest } = doc;
    expect({ $schema, $id, title, description }).toEqual({ $schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:xp:experiment', title: 'xp experiment', description: 'An xp experiment.' });
    expect(rest).toEqual({});
    expect(cond).toEqual({ type: 'object', required: ['extends'] });
    expect(then).toEqual(partialSchema(strict as Record<string, unknown>));
    // The complete form is the runtime schema but for what an editor cannot know: plugin callbacks, `task: <type>`.
    const body = JSON.parse(JSON.stringify(experimentSchema(REGISTRIES))) as { properties: Record<string, unknown> };
    const { callbacks, task, ...same } = (strict as typeof body).properties;
    const { callbacks: _c, task: _t, ...runtime } = body.properties;
    expect(same).toEqual(runtime);
    expect(JSON.stringify(callbacks)).toContain('"pattern":"^[a-z][a-z0-9_]*$"');
    expect((task as { anyOf: unknown[] }).anyOf).toHaveLength(2);
    // Without registries: the generic schema, registry sections open.
    const open = experimentJsonSchema().else as typeof body;
    expect(open.properties.data).toEqual(JSON.parse(JSON.stringify(ExperimentSchema)).properties.data);
  });

  it('has a text form that is the pretty document with a final newline', () => {
    const text = experimentJsonSchemaText(REGISTRIES);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(experimentJsonSchema(REGISTRIES));
    expect(text).toBe(JSON.stringify(experimentJsonSchema(REGISTRIES), null, 2) + '\n');
  });

  it('only requires keys without a default', () => {
    expect((experimentJsonSchema(REGISTRIES).else as { required: string[] }).required).toEqual(['name', 'data', 'model']);
    expect((experimentJsonSchema().else as { required: string[] }).required).toEqual(['name', 'data', 'model']);
  });

  it('accepts a minimal file as an editor would see it (no defaults filled in)', async () => {
    const validate = compileEditorSchema(experimentJsonSchema(REGISTRIES));
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

  it('accepts a file that extends another without any required key, still checking the keys it has', () => {
    const validate = new Ajv({ allErrors: true }).compile(experimentJsonSchema(REGISTRIES));
    expect(validate({ extends: 'a.yaml', data: { val: { count: 10 } } }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ extends: ['a.yaml'], model: { filters: [8] }, task: 'classification' }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ extends: 'a.yaml', data: { max_len: 'three' } })).toBe(false);
    expect(validate({ extends: 'a.yaml', data: { type: 'mnist_sequences', nope: 1 } })).toBe(false);
    expect(validate({ extends: 'a.yaml', training: { epochs: 0 } })).toBe(false);
    expect(validate({ extends: 3 })).toBe(false);
  });
});

describe('partialSchema', () => {
  it('drops required at every depth but in the if of a branch, and makes an untyped section fit some type', () => {
    const strict = {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'object', required: ['b'], properties: { b: { type: 'string' }, required: { type: 'array', default: ['x'] } } },
        s: {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: ['x', 'y'] } },
          allOf: ['x', 'y'].map((n) => ({
            if: { properties: { type: { const: n } }, required: ['type'] },
            then: { required: [n], properties: { type: { const: n }, [n]: { type: 'number' } }, additionalProperties: false },
          })),
        },
      },
      items: [{ required: ['c'] }],
    };
    const partial = partialSchema(strict);
    expect(JSON.stringify(partial)).not.toMatch(/"required":\["[abc]"\]/);
    expect((partial.properties as Record<string, unknown>).a).toEqual({ type: 'object', properties: { b: { type: 'string' }, required: { type: 'array', default: ['x'] } } });
    expect(partial.items).toEqual([{}]);
    const ajv = new Ajv({ allErrors: true });
    const validate = ajv.compile(partial);
    expect(validate({})).toBe(true);
    expect(validate({ s: { type: 'x' } })).toBe(true);
    expect(validate({ s: { x: 1 } })).toBe(true);
    expect(validate({ s: { y: 1 } })).toBe(true);
    expect(validate({ s: { type: 'x', y: 1 } })).toBe(false);
    expect(validate({ s: { x: 1, y: 1 } })).toBe(false);
    expect(validate({ s: { x: 'one' } })).toBe(false);
    expect(ajv.compile(strict)({ a: { b: '' }, s: { type: 'x' } })).toBe(false);
    expect(strict.required).toEqual(['a']); // the input is left as it was
    expect(strict.properties.s.allOf).toHaveLength(2);
  });
});

describe('sweepJsonSchema', () => {
  it('is the sweep file schema plus the document header, with a text form', () => {
    const { $schema, $id, title, ...body } = sweepJsonSchema();
    expect({ $schema, $id, title }).toEqual({ $schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:xp:sweep', title: 'xp sweep' });
    expect(body).toEqual(JSON.parse(JSON.stringify(SweepFileSchema)));
    expect(sweepJsonSchemaText()).toBe(JSON.stringify(sweepJsonSchema(), null, 2) + '\n');
  });
});
