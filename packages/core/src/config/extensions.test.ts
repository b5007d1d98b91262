import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadExperiment, withRegistries } from '../testing/registries.testing.js';
import { experimentSchema, type SchemaExtensions } from '../schema/experiment.js';
import { extensionProblems } from './extensions.js';

const valid = fileURLToPath(new URL('../../test/fixtures/valid.yaml', import.meta.url));

// One entry in TypeBox, one in plain JSON Schema: both are what a plugin may hand over.
const extensions: SchemaExtensions = {
  callbacks: {
    log_every: Type.Object(
      { every: Type.Integer({ minimum: 1, default: 1, description: 'Epochs between lines.' }), prefix: Type.String({ default: '' }) },
      { additionalProperties: false },
    ),
    notify: { type: 'object', properties: { url: { type: 'string', minLength: 1 } }, required: ['url'] } as never,
  },
};

const errorOf = async (overrides: string[], ext?: SchemaExtensions) => {
  const e = await loadExperiment(valid, { overrides, extensions: ext }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).issues.map((i) => i.message);
};

describe('schema extensions (--plugin entries)', () => {
  it('accepts an extension type, validates its options and fills its defaults', async () => {
    const exp = await loadExperiment(valid, { overrides: ['callbacks=[{type: log_every, every: 2}, {type: notify, url: "http://h/"}]'], extensions });
    expect(exp.config.callbacks).toEqual([
      { type: 'log_every', every: 2, prefix: '' },
      { type: 'notify', url: 'http://h/' },
    ]);
    // The loaded experiment keeps the extensions it was validated with (here the test registries plus the plugin's).
    expect(exp.extensions).toBe(withRegistries(extensions));
    expect(Object.keys(exp.extensions?.callbacks ?? {})).toEqual(['log_every', 'notify']);
  });

  it('checks extension options like built-in ones', async () => {
    expect(await errorOf(['callbacks=[{type: log_every, every: 0, evry: 3}]'], extensions)).toEqual([
      "unknown key 'evry' in callbacks[0] (type log_every); did you mean 'every'?",
      'callbacks[0].every must be >= 1, got 0 (Epochs between lines. Defaults to 1.)',
    ]);
    expect(await errorOf(['callbacks=[{type: notify}]'], extensions)).toEqual(["missing required key 'url' in callbacks[0]; add it"]);
  });

  it('lists extension types among the known ones', async () => {
    const [message] = await errorOf(['callbacks=[{type: notfy}]'], extensions);
    expect(message).toBe(
      "unknown callback type 'notfy' at callbacks[0]; did you mean 'notify'? known: early_stopping, reduce_lr_on_plateau, model_checkpoint, terminate_on_nan, csv_logger, lr_schedule, unfreeze, log_every, notify",
    );
  });

  it('refuses the same config without the extensions, with the usual message', async () => {
    expect(await errorOf(['callbacks=[{type: log_every}]'])).toEqual([
      'unknown callback type \'log_every\' at callbacks[0]; known: early_stopping, reduce_lr_on_plateau, model_checkpoint, terminate_on_nan, csv_logger, lr_schedule, unfreeze',
    ]);
  });

  it('never lets an extension replace a built-in entry', () => {
    expect(() => experimentSchema({ callbacks: { early_stopping: Type.Object({}) } })).toThrow(/cannot replace built-in callbacks: early_stopping/);
  });
});

describe('extensionProblems', () => {
  it('accepts TypeBox and plain JSON Schema objects', () => {
    expect(extensionProblems('log_every', extensions.callbacks!.log_every)).toEqual([]);
    expect(extensionProblems('notify', { type: 'object', properties: { url: { type: 'string' } } })).toEqual([]);
    expect(extensionProblems('no_options', { type: 'object' })).toEqual([]);
  });

  it.each([
    ['LogEvery', { type: 'object' }, /the name 'LogEvery' must be snake_case/],
    ['a-b', { type: 'object' }, /must be snake_case/],
    ['x', undefined, /its schema must be a JSON Schema object/],
    ['x', { properties: {} }, /its schema must be a JSON Schema object/],
    ['x', { type: 'object', properties: [] }, /schema\.properties must be a mapping/],
    ['x', { type: 'object', properties: { type: { type: 'string' } } }, /must not declare a 'type' option/],
    ['x', { type: 'object', properties: { n: { type: 'integr' } } }, /its schema is not valid JSON Schema: /],
    ['x', { type: 'object', properties: { n: { minimun: 1 } } }, /its schema is not valid JSON Schema: .*minimun/],
  ])('refuses %j with %j', (name, schema, problem) => {
    expect(extensionProblems(name, schema).join('; ')).toMatch(problem);
  });
});
