// Checks that tie the sweep to its experiment: every parameter names a path of the resolved config, and every
// value a trial can get (each listed value, each range's extremes) gives a valid experiment. The values are
// applied with the loader's own `--set` overrides, so a trial can never fail on a config error that loading
// the sweep did not report.
import { type ConfigIssue, ConfigError, displayPath } from '../errors.js';
import { loadExperiment, type LoadedExperiment } from '../loader.js';
import { locate, type Origins } from '../config/origins.js';
import { parseOverride } from '../config/overrides.js';
import { getAt, isRecord, toDotted, toPointer } from '../config/pointer.js';
import { closestName } from '../config/suggest.js';
import { sweepPointer } from './checks.js';
import { encodeOverrideValue, paramOverrides } from './overrides.js';
import type { SweepSection } from './schema.js';
import { isCategorical, valueRange } from './space.js';

/** Runs the experiment-dependent checks of a sweep that passed its own checks; every problem is returned. */
export async function checkAgainstExperiment(config: SweepSection, origins: Origins, experiment: LoadedExperiment): Promise<ConfigIssue[]> {
  const perParameter = await Promise.all(Object.keys(config.parameters).map((name) => checkParameter(name, config, origins, experiment)));
  const issues = perParameter.flat();
  const et = config.early_termination;
  const epochs = experiment.config.training.epochs;
  if (et && !('training.epochs' in config.parameters) && et.min_epochs > epochs) {
    const pointer = sweepPointer('early_termination', 'min_epochs');
    issues.push({
      ...locate(origins, pointer, 'value'),
      path: toDotted(pointer),
      message: `early_termination.min_epochs ${et.min_epochs} is more than the experiment's training.epochs (${epochs}), so no trial would ever be stopped early; lower it`,
    });
  }
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.file}:${i.line}:${i.col}:${i.message}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

// The values of the parameters that must hold for `name` to be sampled, its conditions' conditions included.
function conditions(name: string, config: SweepSection): Record<string, unknown> {
  const when = config.parameters[name].when ?? {};
  return Object.keys(when).reduce((acc, other) => ({ ...conditions(other, config), ...acc }), { ...when });
}

async function checkParameter(name: string, config: SweepSection, origins: Origins, experiment: LoadedExperiment): Promise<ConfigIssue[]> {
  const spec = config.parameters[name];
  const keyPointer = sweepPointer('parameters', name);
  const conds = paramOverrides(conditions(name, config));
  const fail = (message: string): ConfigIssue[] => [{ ...locate(origins, keyPointer, 'key'), path: toDotted(keyPointer), message }];
  let segments: (string | number)[];
  try {
    segments = parseOverride(`${name}=0`).segments;
  } catch {
    return fail(`parameter '${name}' is not a dotted path such as training.optimizer.learning_rate or augment[0].p`);
  }
  // A conditional parameter may only exist once its conditions hold (e.g. an option of another model type).
  const resolved = conds.length ? await tryLoad(experiment, conds) : experiment.config;
  if (resolved === undefined) return []; // the condition's own values are checked (and reported) on their own
  if (getAt(resolved, toPointer(segments)) === undefined) {
    const where = conds.length ? ` with ${conds.join(', ')}` : '';
    return fail(`parameter '${name}' is not a path of the experiment (${displayPath(experiment.file)})${where}${hint(name, segments, resolved)}`);
  }
  const candidates = isCategorical(spec)
    ? spec.values.map((value, i) => ({ value, pointer: sweepPointer('parameters', name, 'values', i) }))
    : (['low', 'high'] as const).map((end) => ({ value: valueRange(spec)[end], pointer: sweepPointer('parameters', name, end === 'low' ? 'min' : 'max') }));
  const results = await Promise.all(
    candidates.map(async ({ value, pointer }) => {
      const own = `${name}=${encodeOverrideValue(value)}`;
      try {
        await loadExperiment(experiment.file, { overrides: [...conds, own], extensions: experiment.extensions });
        return [];
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const what = `parameter '${name}' = ${JSON.stringify(value)}`;
        return e.issues
          .filter((i) => i.file === `--set ${own}` || !i.file?.startsWith('--set '))
          .map((i): ConfigIssue =>
            i.file === `--set ${own}`
              ? { ...locate(origins, pointer, 'value'), path: toDotted(pointer), message: `${what} is not valid for the experiment (${displayPath(experiment.file)}): ${i.message}` }
              : { ...i, message: `with sweep ${what}${conds.length ? ` (and ${conds.join(', ')})` : ''}: ${i.message}` },
          );
      }
    }),
  );
  return results.flat();
}

async function tryLoad(experiment: LoadedExperiment, overrides: string[]): Promise<unknown> {
  try {
    return (await loadExperiment(experiment.file, { overrides, extensions: experiment.extensions })).config;
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

// "Did you mean" over every path of the config; failing that, what the deepest existing part holds.
function hint(name: string, segments: (string | number)[], config: unknown): string {
  const best = closestName(name, allPaths(config));
  if (best !== undefined) return `; did you mean '${best}'?`;
  for (let n = segments.length - 1; n >= 0; n--) {
    const pointer = toPointer(segments.slice(0, n));
    const part = getAt(config, pointer);
    const label = n === 0 ? 'top-level keys' : `keys of ${toDotted(pointer)}`;
    if (isRecord(part)) return `; ${label}: ${Object.keys(part).join(', ')}`;
    if (Array.isArray(part)) return `; ${toDotted(pointer)} has ${part.length} item(s), indexed from 0`;
  }
  return '';
}

function allPaths(value: unknown, prefix = ''): string[] {
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`${prefix}[${i}]`, v])
    : isRecord(value)
      ? Object.entries(value).map(([k, v]) => [prefix ? `${prefix}.${k}` : k, v])
      : [];
  return entries.flatMap(([p, v]) => [p, ...allPaths(v, p)]);
}
