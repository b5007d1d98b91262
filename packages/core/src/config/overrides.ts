// `--set path=value` overrides, applied after `extends` and defaults so that any key the resolved config
// has (including defaulted ones) can be set. Values are YAML, so `3`, `true`, `[16,32]` and `{type: sgd}`
// mean what they would in the file.
import { parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { interpolateEnv, type Env } from './env-interpolation.js';
import type { Layer } from './merge.js';
import { dropOrigins } from './origins.js';
import { hasOwn, isRecord, setOwn, toPointer } from './pointer.js';
import { suggestion } from './suggest.js';

/** One parsed `--set` option. */
export interface Override {
  /** The option as given, e.g. `training.epochs=3`; errors about the value are attributed to it. */
  option: string;
  segments: (string | number)[];
  value: unknown;
}

/** Parses `path=value`; the path is dotted, list items as `augment[0].p` or `augment.0.p`. */
export function parseOverride(option: string): Override {
  const eq = option.indexOf('=');
  const fail = (message: string) => new ConfigError([{ file: `--set ${option}`, path: '', message }]);
  if (eq <= 0) throw fail('expected --set path.to.key=value, e.g. --set training.epochs=3');
  const segments: (string | number)[] = [];
  for (const part of option.slice(0, eq).split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw fail(`'${option.slice(0, eq)}' is not a dotted path such as training.optimizer.learning_rate or augment[0].p`);
    segments.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(idx[1]));
  }
  const text = option.slice(eq + 1);
  // An empty value means an empty string here; in YAML it would be null, which no field accepts.
  if (text === '') return { option, segments, value: '' };
  const doc = parseDocument(text, { prettyErrors: false, resolveKnownTags: false });
  if (doc.errors.length) throw fail(`the value is not valid YAML (${doc.errors[0].message}); quote it, e.g. --set 'name="a: b"'`);
  // Same rule as in files (see parse-yaml.ts): a tag other than the core ones is refused, not dropped.
  const tag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (tag) {
    const written = /^!\S*/.exec(text.slice(tag.pos[0], tag.pos[1]))?.[0] ?? 'tag';
    throw fail(`YAML tag ${written} is not allowed: values are plain data and no tag may build objects or run code; remove the tag, or quote the value to pass it as a string`);
  }
  return { option, segments, value: doc.toJS({ maxAliasCount: 0 }) };
}

/**
 * Applies overrides in order to `layer` (changed in place), recording `--set …` as the origin of each
 * value set. Every override whose path's parent does not exist is reported, with the closest existing key.
 * `${env:NAME}` references in the values are interpolated as in files (quote them from the shell).
 *
 * @param env - Read by `${env:NAME}` references. Defaults to `process.env`.
 */
export function applyOverrides(layer: Layer, options: readonly string[], env: Env = process.env): void {
  const issues: ConfigIssue[] = [];
  for (const option of options) {
    try {
      applyOne(layer, parseOverride(option), env);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
  }
  if (issues.length) throw new ConfigError(issues);
}

/** Keys resolved while reading the file; setting them afterwards would have no effect. */
const FILE_ONLY_KEYS = new Set(['extends', '$schema']);

function applyOne(layer: Layer, o: Override, env: Env): void {
  const label = `--set ${o.option}`;
  const fail = (i: number, message: string) =>
    new ConfigError([{ file: label, path: dotted(o.segments.slice(0, i + 1)), message }]);
  if (FILE_ONLY_KEYS.has(String(o.segments[0]))) {
    throw fail(0, `${String(o.segments[0])} cannot be overridden: it is resolved when the file is read; edit the file or load another one`);
  }
  let parent: unknown = layer.data;
  for (let i = 0; i < o.segments.length; i++) {
    const seg = o.segments[i];
    const where = i === 0 ? 'at the top level' : `in ${dotted(o.segments.slice(0, i))}`;
    const last = i === o.segments.length - 1;
    if (Array.isArray(parent)) {
      if (typeof seg !== 'number' || seg >= parent.length) {
        throw fail(i, `there is no item ${String(seg)} ${where}; the list has ${parent.length} item(s), indexed from 0`);
      }
    } else if (isRecord(parent)) {
      if (!hasOwn(parent, String(seg)) && !last) {
        throw fail(i, `there is no key '${seg}' ${where}${suggestion(String(seg), Object.keys(parent), 'existing keys')}`);
      }
    } else {
      throw fail(i, `${dotted(o.segments.slice(0, i))} is ${JSON.stringify(parent)}, not a section or list, so it has no '${seg}'`);
    }
    if (last) set(layer, parent as Record<string, unknown>, o, label, env);
    else parent = (parent as Record<string, unknown>)[String(seg)];
  }
}

function set(layer: Layer, parent: Record<string, unknown>, o: Override, label: string, env: Env): void {
  const key = String(o.segments[o.segments.length - 1]);
  const pointer = toPointer(o.segments);
  setOwn(parent, key, o.value);
  dropOrigins(layer.origins, pointer);
  const mark = (v: unknown, p: string): void => {
    layer.origins.set(p, { file: label });
    if (Array.isArray(v)) v.forEach((x, i) => mark(x, `${p}/${i}`));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) mark(x, `${p}${toPointer([k])}`);
  };
  mark(o.value, pointer);
  const envIssues = interpolateEnv(layer, pointer, env);
  if (envIssues.length) throw new ConfigError(envIssues);
  // Switching a union's `type`: the old type's defaults (values nobody wrote, so without an origin) would be
  // unknown keys of the new type. Drop them; validation fills in the new type's defaults.
  if (key === 'type' && !Array.isArray(parent)) {
    const base = toPointer(o.segments.slice(0, -1));
    for (const k of Object.keys(parent)) if (k !== 'type' && !layer.origins.has(`${base}${toPointer([k])}`)) delete parent[k];
  }
}

function dotted(segments: readonly (string | number)[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
