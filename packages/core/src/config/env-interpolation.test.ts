import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { flattenConfig } from '../flatten.js';
import { redactedConfig, type LoadOptions } from '../loader.js';
import { loadExperiment, parseExperimentText } from '../testing/registries.testing.js';
import { expandEnv } from './env-interpolation.js';

const SECRET = 's3cr3t-Tok3n';

describe('expandEnv', () => {
  const env = { TOKEN: SECRET, EMPTY: '', HOST: 'example.org' };

  it.each([
    ['${env:TOKEN}', SECRET, ['TOKEN']],
    ['Bearer ${env:TOKEN}', `Bearer ${SECRET}`, ['TOKEN']],
    ['https://${env:TOKEN}@${env:HOST}/x', `https://${SECRET}@example.org/x`, ['TOKEN', 'HOST']],
    ['${env:UNSET:-fallback}', 'fallback', ['UNSET']],
    ['${env:EMPTY:-fallback}', 'fallback', ['EMPTY']],
    ['${env:TOKEN:-fallback}', SECRET, ['TOKEN']],
    ['${env:UNSET:-}', '', ['UNSET']],
    ['${env:UNSET:-a:-b}', 'a:-b', ['UNSET']],
    ['[${env:EMPTY}]', '[]', ['EMPTY']],
    ['${HOME} and $TOKEN stay as they are', '${HOME} and $TOKEN stay as they are', []],
  ])('%s', (template, value, names) => {
    expect(expandEnv(template, env)).toEqual({ value, names });
  });

  it.each([
    ['${env:UNSET}', 'environment variable UNSET is not set (referenced as ${env:UNSET}); set it (export UNSET=…) before running xp, or give a default: ${env:UNSET:-…}'],
    ['x ${env:TOKEN', 'the reference ${env:TOKEN is not closed; write ${env:NAME} or ${env:NAME:-default}'],
    ['${env:}', '${env:} does not name an environment variable; write ${env:NAME} or ${env:NAME:-default}, NAME being letters, digits and _ (not starting with a digit)'],
    ['${env:1X}', '${env:1X} does not name an environment variable; write ${env:NAME} or ${env:NAME:-default}, NAME being letters, digits and _ (not starting with a digit)'],
    ['${env:A-B}', '${env:A-B} does not name an environment variable; write ${env:NAME} or ${env:NAME:-default}, NAME being letters, digits and _ (not starting with a digit)'],
    ['${env:TOKEN:default}', '${env:TOKEN:default}: a default is written ${env:TOKEN:-default}'],
  ])('refuses %s', (template, problem) => {
    expect(expandEnv(template, env)).toEqual({ problem });
  });
});

describe('${env:…} in experiment files', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const write = (name: string, text: string) => writeFile(file(name), text);
  const env = { XP_TOKEN: SECRET, XP_MODE: 'max' };
  const load = (name: string, opts: LoadOptions = {}) => loadExperiment(file(name), { env, ...opts });
  const failure = async (name: string, opts: LoadOptions = {}) => {
    const e = await load(name, opts).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    const issues = (e as ConfigError).issues;
    // Whatever went wrong, no message may show the secret.
    expect(JSON.stringify(issues)).not.toContain(SECRET);
    return issues;
  };
  const head = 'name: env\nmodel: { type: baseline-cnn }\n';
  // The dataset every file here uses; files that set no other data option end with it.
  const data = 'data: { type: mnist_sequences }\n';
  const url = 'data:\n  type: mnist_sequences\n  source: { type: url, base_url: "https://u:${env:XP_TOKEN}@host/mnist/" }\n';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xp-env-'));
    await write('url.yaml', head + url);
    await write('child.yaml', 'extends: ./url.yaml\nname: child\n');
    await write('override.yaml', 'extends: ./url.yaml\ndata:\n  source: { base_url: "https://plain/" }\n');
    await write('alias.yaml', head + 'data:\n  type: mnist_sequences\n  source: { type: url, base_url: &u "${env:XP_TOKEN}", cache_dir: *u }\n');
    await write('number.yaml', head + 'training:\n  epochs: ${env:XP_TOKEN}\n' + data);
    await write('missing.yaml', head + 'data:\n  type: mnist_sequences\n  source:\n    type: url\n    base_url: "https://${env:XP_UNSET_FOR_TEST}/"\n');
    await write('enum.yaml', head + 'callbacks:\n  - { type: early_stopping, mode: "${env:XP_MODE}" }\n' + data);
    await write('bad-enum.yaml', head + 'callbacks:\n  - { type: early_stopping, mode: "${env:XP_TOKEN}" }\n' + data);
    await write('bad-sha.yaml', head + 'data:\n  type: mnist_sequences\n  source: { type: url, base_url: x, sha256: { a: "${env:XP_TOKEN}" } }\n');
    await write('key.yaml', head + 'mlflow:\n  tags: { "${env:XP_TOKEN}": v }\n' + data);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs with the value, and lists where it came from', async () => {
    const exp = await load('url.yaml');
    expect(exp.config.data.source).toEqual({ type: 'url', base_url: `https://u:${SECRET}@host/mnist/` });
    expect(exp.env).toEqual([
      { pointer: '/data/source/base_url', path: 'data.source.base_url', template: 'https://u:${env:XP_TOKEN}@host/mnist/', names: ['XP_TOKEN'] },
    ]);
  });

  it('logs the reference instead: params, resolved YAML and hash never hold the value', async () => {
    const exp = await load('url.yaml');
    const params = flattenConfig(redactedConfig(exp));
    expect(params['data.source.base_url']).toBe('https://u:${env:XP_TOKEN}@host/mnist/');
    expect(JSON.stringify(params)).not.toContain(SECRET);
    expect(exp.resolvedYaml).not.toContain(SECRET);
    expect(parse(exp.resolvedYaml).data.source.base_url).toBe('https://u:${env:XP_TOKEN}@host/mnist/');
    // The hash is of the logged config: another token, same experiment.
    expect((await load('url.yaml', { env: { XP_TOKEN: 'other' } })).hash).toBe(exp.hash);
    // Reproducible: the resolved YAML loads back to the same config where the variable is set.
    const again = await parseExperimentText(exp.resolvedYaml, file('url.yaml'), { env });
    expect(again.config).toEqual(exp.config);
    expect(again.hash).toBe(exp.hash);
    // The live config is not changed by redaction.
    expect(exp.config.data.source).toMatchObject({ base_url: `https://u:${SECRET}@host/mnist/` });
  });

  it('interpolates files pulled in by extends', async () => {
    const exp = await load('child.yaml');
    expect(exp.config.data.source).toMatchObject({ base_url: `https://u:${SECRET}@host/mnist/` });
    expect(exp.env.map((v) => v.path)).toEqual(['data.source.base_url']);
    expect(exp.resolvedYaml).not.toContain(SECRET);
  });

  it('forgets the reference when a later file or --set replaces the value', async () => {
    const byFile = await load('override.yaml');
    expect(byFile.env).toEqual([]);
    expect(byFile.resolvedYaml).toContain('base_url: https://plain/');
    const bySet = await load('url.yaml', { overrides: ['data.source.base_url=https://set/'] });
    expect(bySet.env).toEqual([]);
    expect(flattenConfig(redactedConfig(bySet))['data.source.base_url']).toBe('https://set/');
  });

  it('interpolates --set values, and redacts them', async () => {
    const exp = await load('url.yaml', { overrides: ['data.source.cache_dir=/cache/${env:XP_TOKEN}'] });
    expect(exp.config.data.source).toMatchObject({ cache_dir: `/cache/${SECRET}` });
    expect(exp.env.map((v) => v.path)).toEqual(['data.source.base_url', 'data.source.cache_dir']);
    expect(exp.resolvedYaml).not.toContain(SECRET);
    expect(exp.resolvedYaml).toContain('# --set data.source.cache_dir=/cache/${env:XP_TOKEN}');
  });

  it('redacts every use of an anchored value', async () => {
    const exp = await load('alias.yaml');
    expect(exp.config.data.source).toMatchObject({ base_url: SECRET, cache_dir: SECRET });
    expect(exp.env.map((v) => v.path)).toEqual(['data.source.base_url', 'data.source.cache_dir']);
    expect(exp.resolvedYaml).not.toContain(SECRET);
  });

  it('works in enum fields, the value being checked as usual', async () => {
    expect((await load('enum.yaml')).config.callbacks[0]).toMatchObject({ mode: 'max' });
    const [issue] = await failure('bad-enum.yaml');
    expect(issue.message).toBe('callbacks[0].mode must be one of: min, max; got the string "${env:XP_TOKEN}"');
    const [sha] = await failure('bad-sha.yaml');
    expect(sha.message).toMatch(/^data\.source\.sha256\.a must match the pattern .*, got the string "\$\{env:XP_TOKEN\}"$/);
  });

  it('leaves keys alone', async () => {
    expect((await load('key.yaml')).config.mlflow.tags).toEqual({ '${env:XP_TOKEN}': 'v' });
  });

  it('names the missing variable at file:line:col and says how to set it', async () => {
    expect(await failure('missing.yaml')).toEqual([
      {
        file: file('missing.yaml'),
        line: 7,
        col: 15,
        path: 'data.source.base_url',
        message:
          'data.source.base_url: environment variable XP_UNSET_FOR_TEST is not set (referenced as ${env:XP_UNSET_FOR_TEST}); set it (export XP_UNSET_FOR_TEST=…) before running xp, or give a default: ${env:XP_UNSET_FOR_TEST:-…}',
      },
    ]);
    const [set] = await failure('url.yaml', { overrides: ['data.source.cache_dir=${env:XP_UNSET_FOR_TEST}'] });
    expect(set).toMatchObject({ file: '--set data.source.cache_dir=${env:XP_UNSET_FOR_TEST}', path: 'data.source.cache_dir', message: expect.stringContaining('XP_UNSET_FOR_TEST is not set') });
  });

  it('reads references into strings only: a number field says so, without the value', async () => {
    expect(await failure('number.yaml')).toEqual([
      {
        file: file('number.yaml'),
        line: 4,
        col: 11,
        path: 'training.epochs',
        message:
          'training.epochs must be a whole number, but ${env:XP_TOKEN} gives a string: environment references are read into string values only (they are redacted from logs); pass numbers and true/false with --set training.epochs=…',
      },
    ]);
  });

  it.each([
    ['name', 'name: "${env:XP_TOKEN}"\nmodel: { type: baseline-cnn }\n', 'it is the MLflow run name'],
    ['experiment', head + 'experiment: "${env:XP_TOKEN}"\n', 'it is the MLflow experiment name'],
    ['description', head + 'description: "run by ${env:XP_TOKEN}"\n', 'it becomes the MLflow run note'],
    ['stage', head + 'stage: "${env:XP_TOKEN}"\n', 'it is logged as the xp.stage tag'],
    ['mlflow.tags.owner', head + 'mlflow: { tags: { owner: "${env:XP_TOKEN}" } }\n', 'it is logged as a run tag'],
    ['model.type', 'name: env\nmodel: { type: "${env:XP_TOKEN}" }\n', 'it picks a registry entry'],
    ['callbacks[0].type', head + 'callbacks: [{ type: "${env:XP_TOKEN}" }]\n', 'it picks a registry entry'],
    ['evaluation.variants[0].name', head + 'evaluation: { variants: [{ type: inverted, name: "${env:XP_TOKEN}" }] }\n', 'it is part of metric names'],
    ['callbacks[0].filename', head + 'callbacks: [{ type: csv_logger, filename: "${env:XP_TOKEN}" }]\n', 'it names a file or a metric'],
    ['callbacks[0].monitor', head + 'callbacks: [{ type: early_stopping, monitor: "${env:XP_TOKEN}" }]\n', 'it names a file or a metric'],
  ])('refuses a reference in %s, which is logged as written', async (dotted, text, why) => {
    await write('refused.yaml', text + data);
    const issues = await failure('refused.yaml');
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe(dotted);
    expect(issues[0].line).toBeGreaterThan(0);
    expect(issues[0].message).toContain(`${dotted} cannot come from the environment`);
    expect(issues[0].message).toContain(why);
  });
});
