import { readdir, readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileEditorSchema, experimentJsonSchemaText, sweepJsonSchemaText } from '@xp/core';
import { NO_PLUGINS } from './plugins/load-plugins.js';

const root = new URL('../../../', import.meta.url);
const committed = new URL('schema/experiment.schema.json', root);
const committedSweep = new URL('schema/sweep.schema.json', root);

describe('schema/experiment.schema.json and schema/sweep.schema.json', () => {
  it('are up to date with the built-in registries (run `npm run schema -w @xp/runner` and commit the result)', async () => {
    expect(await readFile(committed, 'utf8')).toBe(experimentJsonSchemaText(NO_PLUGINS.extensions));
    expect(await readFile(committedSweep, 'utf8')).toBe(sweepJsonSchemaText());
  });

  it('knows every built-in dataset, model and task, and refuses an unknown one', async () => {
    const validate = compileEditorSchema(JSON.parse(await readFile(committed, 'utf8')));
    const text = await readFile(new URL('experiments/mnist-seq/01-baseline.yaml', root), 'utf8');
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [{ data: { type: 'nope' } }, { model: { type: 'resnet' } }, { task: { type: 'nope' } }, { task: 'nope' }]) {
      expect(validate({ ...parse(text), ...bad })).toBe(false);
    }
  });
});

// What an editor does with these documents: a standard draft-07 validator (ajv without defaults, as the
// yaml-language-server and Python's jsonschema check them) over each file as written, with no --plugin.
describe('the editor schemas, over the repository’s files', () => {
  const editor = async () => ({
    experiment: compileEditorSchema(JSON.parse(await readFile(committed, 'utf8'))),
    sweep: compileEditorSchema(JSON.parse(await readFile(committedSweep, 'utf8'))),
  });
  const load = async (rel: string) => parse(await readFile(new URL(rel, root), 'utf8'), { logLevel: 'silent' }) as unknown;
  const isSweep = (doc: unknown) => typeof doc === 'object' && doc !== null && 'sweep' in doc;
  const yamlUnder = async (dir: string) =>
    (await readdir(new URL(dir, root), { recursive: true }))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `${dir}${f}`)
      .sort();

  // Every file `xp validate` accepts (the plugin ones with --plugin experiments/plugins/webhook/webhook-notify.mjs):
  // test/e2e checks that; here, that an editor accepts them too.
  const validFiles = async () => [
    ...(await yamlUnder('experiments/')),
    'test/fixtures/tiny.yaml',
    'test/fixtures/plugin-webhook.yaml',
    ...(await yamlUnder('test/fixtures/sweep/')),
  ];

  it('accepts every valid experiment and sweep file, and each names its schema', async () => {
    const { experiment, sweep } = await editor();
    const files = await validFiles();
    expect(files.length).toBeGreaterThan(20);
    const refused: string[] = [];
    for (const file of files) {
      const text = await readFile(new URL(file, root), 'utf8');
      const doc = parse(text) as unknown;
      const kind = isSweep(doc) ? 'sweep' : 'experiment';
      const validate = kind === 'sweep' ? sweep : experiment;
      if (!validate(doc)) refused.push(`${file}: ${JSON.stringify(validate.errors)}`);
      // The header the editor reads, pointing at the right document from where the file is.
      const depth = file.split('/').length - 1;
      expect(text.split('\n')[0], file).toBe(`# yaml-language-server: $schema=${'../'.repeat(depth)}schema/${kind}.schema.json`);
    }
    expect(refused).toEqual([]);
  });

  // The bad corpus (test/fixtures/bad, see its README): the cases a schema can tell must still fail in the editor.
  // Decided by name; every case must be in one group or the other, so a new case needs a decision.
  const TELLABLE = /^(type|range|unknown|enum|pattern|missing)-/;
  const TELLABLE_TOO = ['data-missing', 'data-type-unknown', 'data-dataset-renamed', 'extends-not-a-path'];
  const NOT_TELLABLE: [RegExp, string][] = [
    [/^yaml-/, 'YAML syntax and parser limits (tags, aliases, duplicate keys, several documents): found by the parser, not the schema'],
    [/^cross-/, 'cross-field rules (run after the schema, e.g. min_len <= max_len)'],
    [/^shape-/, 'model shapes, known only once the model is built on the data'],
    [/^data-(image|table)-/, 'the data files themselves'],
    [/^env-/, '${env:…} references are resolved at load time; to a schema they are strings'],
    [/^extends-(cycle|missing-file|self)$/, 'the files extends names'],
    [/^set-/, 'the --set arguments of the command line'],
    [/^sweep-param-missing-path$/, 'a sweep path checked against its experiment'],
    [/^(freeze|unfreeze)-no-match$/, 'layer names, known only once the model is built'],
    [/^init-from-/, 'the model init_from names (a file, or a run in MLflow)'],
    [/^unknown-callback-type$/, 'a snake_case callback name a --plugin could add: the editor accepts it, `xp validate` refuses it'],
  ];

  it('still refuses the bad files a schema can tell', async () => {
    const { experiment, sweep } = await editor();
    const cases = (await readdir(new URL('test/fixtures/bad/', root))).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
    const excluded = (c: string) => NOT_TELLABLE.some(([re]) => re.test(c));
    const tellable = cases.filter((c) => (TELLABLE.test(c) || TELLABLE_TOO.includes(c)) && !excluded(c));
    const undecided = cases.filter((c) => !tellable.includes(c) && !excluded(c));
    expect(undecided, 'decide whether a schema can tell these').toEqual([]);
    expect(tellable.length).toBeGreaterThan(25);
    const accepted: string[] = [];
    for (const c of tellable) {
      const doc = await load(`test/fixtures/bad/${c}.yaml`);
      if ((isSweep(doc) ? sweep : experiment)(doc)) accepted.push(c);
    }
    expect(accepted).toEqual([]);
  });

  it('checks a file that extends another as a partial config, and one that does not as a complete one', async () => {
    const { experiment: validate } = await editor();
    const ok = (doc: unknown) => {
      const valid = validate(doc);
      return valid || JSON.stringify(validate.errors);
    };
    // No required keys at any depth once the file extends another…
    expect(ok({ extends: './01.yaml' })).toBe(true);
    expect(ok({ extends: './01.yaml', data: { val: { count: 6000 } }, training: { optimizer: { learning_rate: 0.01 } } })).toBe(true);
    // …but every key is checked: unknown keys, ranges, the options of a named type.
    expect(ok({ extends: './01.yaml', nmae: 'x' })).not.toBe(true);
    expect(ok({ extends: './01.yaml', training: { epochs: 0 } })).not.toBe(true);
    expect(ok({ extends: './01.yaml', training: { optimizer: { type: 'sgd', learning_rate: -1 } } })).not.toBe(true);
    // A section without its type (given by the file extended) must fit some type's options.
    expect(ok({ extends: './01.yaml', training: { optimizer: { learning_rate: -1 } } })).not.toBe(true);
    expect(ok({ extends: './01.yaml', training: { optimizer: { learning_rat: 0.1 } } })).not.toBe(true);
    expect(ok({ extends: './01.yaml', data: { val: { count: 'many' } } })).not.toBe(true);
    expect(ok({ extends: './01.yaml', data: { type: 'mnist_sequences', max_len: 'three' } })).not.toBe(true);
    expect(ok({ extends: './01.yaml', model: { type: 'resnet' } })).not.toBe(true);
    expect(ok({ extends: './01.yaml', callbacks: [{ type: 'early_stopping', patience: -1 }] })).not.toBe(true);
    // Without extends, the required keys are back.
    expect(ok({ name: 'x', data: { type: 'mnist_sequences' } })).not.toBe(true);
    expect(ok({ name: 'x', data: { val: { count: 10 } }, model: { type: 'baseline-cnn' } })).not.toBe(true);
    expect(ok({ name: 'x', data: { type: 'mnist_sequences' }, model: { type: 'baseline-cnn' }, task: 'classification' })).toBe(true);
  });

  it('takes any snake_case callback a plugin could add, and still checks the built-in ones', async () => {
    const { experiment: validate } = await editor();
    const base = { name: 'x', data: { type: 'mnist_sequences' }, model: { type: 'baseline-cnn' } };
    expect(validate({ ...base, callbacks: [{ type: 'webhook_notify', url: 'http://h', every: 2 }] }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...base, callbacks: [{ type: 'Webhook-Notify' }] })).toBe(false);
    expect(validate({ ...base, callbacks: [{ url: 'http://h' }] })).toBe(false);
    expect(validate({ ...base, callbacks: [{ type: 'early_stopping', patience: 'five' }] })).toBe(false);
    expect(validate({ ...base, callbacks: [{ type: 'early_stopping', bogus: 1 }] })).toBe(false);
  });
});
