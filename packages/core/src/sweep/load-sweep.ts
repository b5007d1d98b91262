// The entry point to sweep files, built from the experiment loader's parts: the same YAML reading with
// positions, the same ajv error mapping, then the sweep's own checks and the checks against its experiment.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { locate, type Origins } from '../config/origins.js';
import { parseYaml } from '../config/parse-yaml.js';
import { toDotted } from '../config/pointer.js';
import { schemaIssues } from '../config/schema-issues.js';
import { readSource } from '../config/source.js';
import { compileSchema, schemaErrors } from '../config/validate.js';
import { ConfigError, displayPath, type ConfigIssue } from '../errors.js';
import { loadExperiment, type LoadedExperiment, type LoadOptions } from '../loader.js';
import { checkSweep, sweepPointer } from './checks.js';
import { checkAgainstExperiment } from './experiment-checks.js';
import { SweepFileSchema, type SweepConfig, type SweepSection } from './schema.js';
import { resolveSweepMetric, type SweepHeadline } from './sweep-metric.js';

export type { SweepHeadline } from './sweep-metric.js';

/** Options of {@link loadSweep}. */
export interface SweepLoadOptions extends Pick<LoadOptions, 'extensions'> {
  /** The headline of the experiment's task: what a sweep without `metric` optimises. Defaults to none (metric required). */
  headline?: SweepHeadline;
}

/** A validated sweep with its experiment, ready to run. */
export interface LoadedSweep {
  /** Absolute path of the sweep file. */
  file: string;
  /** The `sweep` section, defaults filled in, its metric resolved. */
  config: SweepConfig;
  /** The experiment the sweep varies, loaded without overrides. */
  experiment: LoadedExperiment;
}

// Compiled on first use and never changed: a cache of a constant.
let compiled: ValidateFunction | undefined;

/**
 * Loads and validates a sweep file and the experiment it refers to.
 *
 * Besides the schema, every parameter must be a path of the experiment's resolved config, and every value a
 * trial can get (each listed value, both ends of each range) must give a valid experiment.
 *
 * @param file - Path of the sweep YAML, absolute or relative to the working directory.
 * @param opts - `extensions`: registry entries added by `--plugin` modules, for the experiment. Defaults to none.
 *   `headline`: the task's headline metric, the default of `metric`.
 * @throws ConfigError listing every problem, each with file:line:col.
 * @example const { config, experiment } = await loadSweep('experiments/mnist-seq/sweep.yaml');
 */
export async function loadSweep(file: string, opts: SweepLoadOptions = {}): Promise<LoadedSweep> {
  const abs = path.resolve(file);
  return parseSweepText(await readSource(abs), abs, opts);
}

/**
 * Like {@link loadSweep} but with the sweep file's content given as `text`; the experiment is still read from
 * disk, relative to `file`.
 */
export async function parseSweepText(text: string, file: string, opts: SweepLoadOptions = {}): Promise<LoadedSweep> {
  const abs = path.resolve(file);
  const { data, origins } = parseYaml(text, abs, "'sweep:'");
  compiled ??= compileSchema(SweepFileSchema);
  const schemaProblems = schemaIssues(schemaErrors(compiled, data), origins);
  if (schemaProblems.length) throw new ConfigError(schemaProblems);
  const section = data.sweep as SweepSection;
  const own = checkSweep(section, (p) => origins.has(p)).map(
    (i): ConfigIssue => ({ ...locate(origins, i.pointer, i.prefer ?? 'value'), path: toDotted(i.pointer), message: i.message }),
  );
  if (own.length) throw new ConfigError(own);
  const experiment = await loadExperiment(await experimentFile(abs, section.experiment, origins), { extensions: opts.extensions });
  const metric = resolveSweepMetric(section, origins, experiment, opts.headline);
  const problems = [...(Array.isArray(metric) ? metric : []), ...(await checkAgainstExperiment(section, origins, experiment))];
  if (problems.length) throw new ConfigError(problems);
  const config: SweepConfig = { ...section, metric: metric as SweepConfig['metric'] };
  return { file: abs, config, experiment };
}

async function experimentFile(sweepFile: string, ref: string, origins: Origins): Promise<string> {
  const target = path.resolve(path.dirname(sweepFile), ref);
  const info = await stat(target).catch(() => undefined);
  if (info?.isFile()) return target;
  const pointer = sweepPointer('experiment');
  const why = info ? 'is a directory' : 'not found';
  throw new ConfigError([
    {
      ...locate(origins, pointer, 'value'),
      path: toDotted(pointer),
      message: `experiment file '${ref}' ${why} (looked for ${displayPath(target)}); the path is relative to the sweep file`,
    },
  ]);
}
