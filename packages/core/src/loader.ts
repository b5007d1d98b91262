// The one entry point to configs: file → extends merged → defaults → --set → schema → cross-field checks.
// Every stage reports all of its problems at once, each pointing into the file (or option) that set the value.
import path from 'node:path';
import { stringify } from 'yaml';
import { CORE_CHECKS, runChecks } from './checks/index.js';
import { envSchemaIssues, envValues, redactConfig, redactIssues, type Env, type EnvValue } from './config/env-interpolation.js';
import { resolveExtends, type ResolvedLayer } from './config/extends.js';
import { locate } from './config/origins.js';
import { applyOverrides } from './config/overrides.js';
import { isRecord, toDotted } from './config/pointer.js';
import { schemaIssues } from './config/schema-issues.js';
import { applyDefaults, validateSchema } from './config/validate.js';
import { ConfigError, displayPath, type ConfigIssue } from './errors.js';
import { configHash } from './hash.js';
import type { ExperimentConfig, SchemaExtensions } from './schema/experiment.js';

/** Options of {@link loadExperiment}. */
export interface LoadOptions {
  /** `path.to.key=value` overrides (the CLI's `--set`), applied in order. Defaults to none. */
  overrides?: string[];
  /** Read by `${env:NAME}` references in the files and the overrides. Defaults to `process.env`. */
  env?: Env;
  /** Registry entries added by `--plugin` modules, accepted as `type`s with their own options. Defaults to none. */
  extensions?: SchemaExtensions;
}

/** A validated experiment, ready to run. */
export interface LoadedExperiment {
  /** The resolved config: extends merged, overrides applied, defaults filled, validated. */
  config: ExperimentConfig;
  /** Absolute path of the experiment file. */
  file: string;
  /** Absolute paths of the extends chain, bases first, `file` last. */
  files: string[];
  /**
   * YAML text of `config` with environment-sourced values redacted (see {@link redactedConfig}), and a header
   * comment naming the source file; logged as an artifact, and loads back to `config` where the variables are set.
   */
  resolvedYaml: string;
  /** First 12 hex characters of the sha256 of the canonical JSON of the redacted `config`. */
  hash: string;
  /** The values of `config` that came from `${env:NAME}` references; never logged, see {@link redactedConfig}. */
  env: EnvValue[];
  /** The extensions it was validated with; loading it again (other overrides, a sweep's checks) needs them too. */
  extensions?: SchemaExtensions;
  /**
   * A config problem found later (e.g. a model that cannot take the data's shape) as a positioned issue: the
   * file, line and column of the value at `pointer`, as the loader's own issues have.
   */
  issueAt(pointer: string, message: string): ConfigIssue;
}

/**
 * Loads, resolves and validates an experiment file.
 *
 * @param file - Path of the YAML file, absolute or relative to the working directory.
 * @param opts - Overrides. Defaults to none.
 * @throws ConfigError listing every problem, each with file:line:col.
 * @example const { config, hash } = await loadExperiment('experiments/mnist-seq/baseline.yaml', { overrides: ['training.epochs=1'] });
 */
export async function loadExperiment(file: string, opts: LoadOptions = {}): Promise<LoadedExperiment> {
  const abs = path.resolve(file);
  return finish(abs, await resolveExtends(abs, undefined, opts.env), opts);
}

/**
 * Like {@link loadExperiment} but with the file's content given as `text` (files it extends are still read
 * from disk, relative to `file`).
 */
export async function parseExperimentText(text: string, file: string, opts: LoadOptions = {}): Promise<LoadedExperiment> {
  const abs = path.resolve(file);
  return finish(abs, await resolveExtends(abs, text, opts.env), opts);
}

/**
 * The config as xp logs it (params, `config.resolved.yaml`, messages): every value that came from the
 * environment replaced by the text it was written as, e.g. `${env:API_TOKEN}`.
 *
 * @example flattenConfig(redactedConfig(exp)) // MLflow params without secrets
 */
export function redactedConfig(exp: Pick<LoadedExperiment, 'config' | 'env'>): ExperimentConfig {
  return redactConfig(exp.config, exp.env);
}

function finish(file: string, layer: ResolvedLayer, opts: LoadOptions): LoadedExperiment {
  const overrides = opts.overrides ?? [];
  const renamed = renamedKeyIssues(layer);
  if (renamed.length) throw new ConfigError(renamed);
  // Defaults first, so that --set can reach keys the file leaves to their defaults.
  applyDefaults(layer.data, opts.extensions);
  applyOverrides(layer, overrides, opts.env);
  normalizeShorthands(layer.data);
  const env = envValues(layer.data, layer.origins);
  const schema = envSchemaIssues(validateSchema(layer.data, opts.extensions), env, layer.origins);
  let issues = [...schema.issues, ...schemaIssues(schema.others, layer.origins)];
  const config = layer.data as ExperimentConfig;
  // Cross-field rules trust the types, so they only run on a config that passed the schema.
  if (issues.length === 0) {
    issues = runChecks(config, [...CORE_CHECKS, ...(opts.extensions?.checks ?? [])]).map((i) => ({ ...locate(layer.origins, i.pointer, 'value'), path: toDotted(i.pointer), message: i.message }));
  }
  if (issues.length) throw new ConfigError(sortIssues(redactIssues(issues, env, config), layer.files, overrides));
  const redacted = redactConfig(config, env);
  const issueAt = (pointer: string, message: string): ConfigIssue => ({ ...locate(layer.origins, pointer, 'value'), path: toDotted(pointer), message });
  return { config, file, files: layer.files, resolvedYaml: resolvedYaml(redacted, layer.files, overrides), hash: configHash(redacted), env, extensions: opts.extensions, issueAt };
}

// Keys an earlier xp understood, with what to write now: refused at the key, before the schema would call them
// merely unknown, so a file written for the old spelling says how to update it.
const RENAMED: ReadonlyArray<{ pointer: string; message: (value: unknown) => string }> = [
  {
    pointer: '/data/dataset',
    message: (v) =>
      `data.dataset was renamed data.type${v === 'mnist-sequences' ? ", and 'mnist-sequences' is now 'mnist_sequences'" : ''}: write \`type: ${v === 'mnist-sequences' ? 'mnist_sequences' : String(v)}\` under data:`,
  },
];

function renamedKeyIssues(layer: ResolvedLayer): ConfigIssue[] {
  return RENAMED.flatMap(({ pointer, message }) => {
    const [section, key] = pointer.split('/').slice(1);
    const parent = layer.data[section];
    if (!isRecord(parent) || !Object.hasOwn(parent, key)) return [];
    return [{ ...locate(layer.origins, pointer, 'key'), path: toDotted(pointer), message: message(parent[key]) }];
  });
}

// `task: classification` is short for `task: { type: classification }`: the common case reads as one word.
function normalizeShorthands(data: Record<string, unknown>): void {
  if (typeof data.task === 'string') data.task = { type: data.task };
}

// In the order of the chain, then of the text, then of the --set options, so the output reads top to
// bottom like the command line that produced it.
function sortIssues(issues: ConfigIssue[], files: string[], overrides: string[]): ConfigIssue[] {
  const sources = [...files, ...overrides.map((o) => `--set ${o}`)];
  const rank = (i: ConfigIssue) => (i.file !== undefined && sources.includes(i.file) ? sources.indexOf(i.file) : sources.length);
  return issues
    .map((issue, n) => ({ issue, n }))
    .sort((a, b) => rank(a.issue) - rank(b.issue) || (a.issue.line ?? 0) - (b.issue.line ?? 0) || (a.issue.col ?? 0) - (b.issue.col ?? 0) || a.n - b.n)
    .map(({ issue }) => issue);
}

function resolvedYaml(config: ExperimentConfig, files: string[], overrides: string[]): string {
  const header = [
    `# Resolved experiment config, generated by xp from ${displayPath(files[files.length - 1])}; do not edit.`,
    ...(files.length > 1 ? [`# extends chain: ${files.map((f) => displayPath(f)).join(' → ')}`] : []),
    ...overrides.map((o) => `# --set ${o}`),
  ];
  return `${header.join('\n')}\n${stringify(config, { lineWidth: 0 })}`;
}
