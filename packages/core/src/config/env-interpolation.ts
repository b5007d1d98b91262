// `${env:NAME}` and `${env:NAME:-default}` in string values: secrets (a token in a URL, a plugin's API key)
// stay out of the experiment file and out of everything xp logs. Each interpolated value remembers the text
// it was written as (its origin's `env`), so the loader can give a redacted view that shows the reference
// instead of the value: reproducible (set the variable again) without leaking it.
import type { ErrorObject } from 'ajv';
import type { ConfigIssue } from '../errors.js';
import type { Layer } from './merge.js';
import { locate, type Origin, type Origins } from './origins.js';
import { typeNoun } from './schema-issues.js';
import { fromPointer, getAt, isRecord, setOwn, toDotted, toPointer } from './pointer.js';

/** The environment to read; `process.env` unless a test passes its own. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A config value that came from environment variables. */
export interface EnvValue {
  /** JSON pointer of the value in the resolved config. */
  pointer: string;
  /** Dotted path, for people. */
  path: string;
  /** The string as written, e.g. `Bearer ${env:API_TOKEN}`; what logs show instead of the value. */
  template: string;
  /** The variables it reads. */
  names: string[];
}

const MARKER = '${env:';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Fields whose value xp sends to MLflow or prints as it is, by design: the run name, tags, metric and file
 * names, registry types. A secret there would be shown whatever the redaction does, so a reference is refused.
 */
const LOGGED_AS_WRITTEN: readonly [RegExp, string][] = [
  [/^\/name$/, 'it is the MLflow run name'],
  [/^\/experiment$/, 'it is the MLflow experiment name'],
  [/^\/description$/, 'it becomes the MLflow run note'],
  [/^\/stage$/, 'it is logged as the xp.stage tag'],
  [/^\/mlflow\/tags\//, 'it is logged as a run tag'],
  [/\/type$/, 'it picks a registry entry and is logged as a tag and in messages'],
  [/^\/evaluation\/variants\/\d+\/name$/, 'it is part of metric names'],
  [/^\/callbacks\/\d+\/(filename|monitor)$/, 'it names a file or a metric, which are logged'],
];

type Expansion = { value: string; names: string[] } | { problem: string };

/**
 * Replaces every `${env:NAME}` / `${env:NAME:-default}` in `template`. As in the shell, `:-` also applies
 * when the variable is set but empty; a variable that is unset (without a default) is a problem.
 */
export function expandEnv(template: string, env: Env): Expansion {
  let out = '';
  const names: string[] = [];
  let at = 0;
  for (let i = template.indexOf(MARKER); i >= 0; i = template.indexOf(MARKER, at)) {
    const close = template.indexOf('}', i);
    const ref = template.slice(i, close < 0 ? undefined : close + 1);
    if (close < 0) return { problem: `the reference ${ref} is not closed; write \${env:NAME} or \${env:NAME:-default}` };
    const body = template.slice(i + MARKER.length, close);
    const sep = body.indexOf(':');
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      return { problem: `${ref} does not name an environment variable; write \${env:NAME} or \${env:NAME:-default}, NAME being letters, digits and _ (not starting with a digit)` };
    }
    if (sep >= 0 && body[sep + 1] !== '-') return { problem: `${ref}: a default is written \${env:${name}:-default}` };
    const fallback = sep < 0 ? undefined : body.slice(sep + 2);
    const set = env[name];
    let value: string;
    if (fallback !== undefined) value = set === undefined || set === '' ? fallback : set;
    else if (set !== undefined) value = set;
    else return { problem: `environment variable ${name} is not set (referenced as ${ref}); set it (export ${name}=…) before running xp, or give a default: \${env:${name}:-…}` };
    out += template.slice(at, i) + value;
    names.push(name);
    at = close + 1;
  }
  return { value: out + template.slice(at), names };
}

/**
 * Interpolates every string value at or below `under` in `layer` (in place), recording each template on its
 * value's origin. Keys are never interpolated. Returns one issue per bad reference or refused field.
 *
 * @param under - JSON pointer of the part to interpolate. Defaults to the whole layer.
 * @param env - Defaults to `process.env`.
 */
export function interpolateEnv(layer: Layer, under = '', env: Env = process.env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const visit = (holder: Record<string, unknown> | unknown[], key: string | number, segments: (string | number)[]): void => {
    const value = Array.isArray(holder) ? holder[key as number] : holder[key];
    if (Array.isArray(value)) value.forEach((_, i) => visit(value, i, [...segments, i]));
    else if (isRecord(value)) for (const k of Object.keys(value)) visit(value, k, [...segments, k]);
    if (typeof value !== 'string' || !value.includes(MARKER)) return;
    const pointer = toPointer(segments);
    const where = { ...locate(layer.origins, pointer, 'value'), path: toDotted(pointer) };
    const refused = LOGGED_AS_WRITTEN.find(([re]) => re.test(pointer));
    if (refused) {
      issues.push({ ...where, message: `${where.path} cannot come from the environment (${value}): ${refused[1]}, so its value would be shown as is; write the value, or pass it with --set ${where.path}=…` });
      return;
    }
    const r = expandEnv(value, env);
    if ('problem' in r) {
      issues.push({ ...where, message: `${where.path}: ${r.problem}` });
      return;
    }
    if (Array.isArray(holder)) holder[key as number] = r.value;
    else setOwn(holder, String(key), r.value);
    layer.origins.set(pointer, { ...originAt(layer.origins, pointer), env: { template: value, names: r.names } });
  };
  const segments = fromPointer(under);
  if (segments.length === 0) {
    for (const k of Object.keys(layer.data)) visit(layer.data, k, [k]);
  } else {
    const parent = getAt(layer.data, toPointer(segments.slice(0, -1)));
    const last = segments[segments.length - 1];
    if (Array.isArray(parent)) visit(parent, Number(last), segments);
    else if (isRecord(parent)) visit(parent, last, segments);
  }
  return issues;
}

// A value under an alias has no origin of its own; it gets one, at the alias, to carry its template.
function originAt(origins: Origins, pointer: string): Origin {
  const own = origins.get(pointer);
  if (own) return own;
  const at = locate(origins, pointer, 'value');
  return { file: at.file ?? '', value: at.line === undefined ? undefined : { line: at.line, col: at.col ?? 1 } };
}

/** The values of `config` that came from the environment, according to `origins`. */
export function envValues(config: unknown, origins: Origins): EnvValue[] {
  const out: EnvValue[] = [];
  for (const [pointer, o] of origins) {
    // An origin outlives its value only if something replaced the value without dropping the origin; the
    // type check keeps such a stale entry from redacting (or leaking) the wrong thing.
    if (o.env && typeof getAt(config, pointer) === 'string') out.push({ pointer, path: toDotted(pointer), template: o.env.template, names: o.env.names });
  }
  return out.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

/**
 * A copy of `config` with every environment-sourced value replaced by the text it was written as
 * (`${env:NAME}`): what xp logs as params, as `config.resolved.yaml` and in messages.
 *
 * @example redactConfig({ data: { source: { base_url: 'https://u:s3cret@host/' } } }, [{ pointer: '/data/source/base_url', template: 'https://u:${env:TOKEN}@host/', … }])
 *   // → { data: { source: { base_url: 'https://u:${env:TOKEN}@host/' } } }
 */
export function redactConfig<T>(config: T, env: readonly EnvValue[]): T {
  const copy = structuredClone(config);
  for (const v of env) {
    const segments = fromPointer(v.pointer);
    const parent = getAt(copy, toPointer(segments.slice(0, -1)));
    const last = segments[segments.length - 1];
    if (Array.isArray(parent)) parent[Number(last)] = v.template;
    else if (isRecord(parent)) setOwn(parent, last, v.template);
  }
  return copy;
}

/**
 * Splits schema errors into issues about environment-sourced values and the other errors. A reference in a
 * number or boolean field gets its own message (references are strings only), and no message repeats the
 * value a reference gave.
 */
export function envSchemaIssues(errors: readonly ErrorObject[], env: readonly EnvValue[], origins: Origins): { issues: ConfigIssue[]; others: ErrorObject[] } {
  const byPointer = new Map(env.map((v) => [v.pointer, v]));
  const issues: ConfigIssue[] = [];
  const others: ErrorObject[] = [];
  for (const e of errors) {
    const v = byPointer.get(e.instancePath);
    if (!v) others.push(e);
    else if (e.keyword === 'type') {
      issues.push({
        ...locate(origins, v.pointer, 'value'),
        path: v.path,
        message:
          `${v.path} must be ${typeNoun(String(e.params.type))}, but ${v.template} gives a string: environment references are read into ` +
          `string values only (they are redacted from logs); pass numbers and true/false with --set ${v.path}=…`,
      });
    } else others.push(e);
  }
  // Errors of other keywords at a path that already has a type error only repeat it.
  const typed = new Set(issues.map((i) => i.path));
  return { issues, others: others.filter((e) => !typed.has(toDotted(e.instancePath))) };
}

/** `issues` with every environment-sourced value in their messages shown as its reference instead. */
export function redactIssues(issues: readonly ConfigIssue[], env: readonly EnvValue[], config: unknown): ConfigIssue[] {
  const secrets = env
    .map((v) => ({ shown: JSON.stringify(getAt(config, v.pointer)), as: JSON.stringify(v.template) }))
    .filter((s) => s.shown !== '""' && s.shown !== s.as);
  return issues.map((i) => ({ ...i, message: secrets.reduce((m, s) => m.replaceAll(s.shown, s.as), i.message) }));
}
