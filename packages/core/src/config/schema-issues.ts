// ajv errors → issues people can act on: the dotted path, the value received, the allowed values or the
// closest key, and the place in the file. ajv's own wording ("must NOT have additional properties") and its
// if/then bookkeeping errors are not shown.
import type { ErrorObject } from 'ajv';
import type { ConfigIssue } from '../errors.js';
import { locate, type Origins } from './origins.js';
import { fromPointer, isRecord, toDotted, toPointer } from './pointer.js';
import { closestName, suggestion } from './suggest.js';

type SchemaLike = { description?: string; default?: unknown; properties?: Record<string, SchemaLike>; enum?: unknown[] };

/** Maps ajv errors to issues, without ajv's noise and without duplicates. */
export function schemaIssues(errors: readonly ErrorObject[], origins: Origins): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const e of denoise(errors)) {
    const issue = toIssue(e, origins);
    const id = `${issue.file}:${issue.line}:${issue.col}:${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

// `if` errors only say "must match then schema" next to the real errors of the branch. A value of the wrong
// type also fails its enum/pattern/bounds, which would only repeat the point.
function denoise(errors: readonly ErrorObject[]): ErrorObject[] {
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return errors.filter((e) => e.keyword !== 'if' && (e.keyword === 'type' || !wrongType.has(e.instancePath)));
}

function toIssue(e: ErrorObject, origins: Origins): ConfigIssue {
  const path = toDotted(e.instancePath);
  const parent = e.parentSchema as SchemaLike | undefined;
  switch (e.keyword) {
    case 'required': {
      const key = String(e.params.missingProperty);
      const child = e.instancePath + toPointer([key]);
      const known = parent?.properties?.type?.enum;
      const message =
        key === 'type' && known
          ? `${path} needs a 'type'; known: ${known.join(', ')}`
          : `missing required key '${key}' ${where(e.instancePath)}${about(parent?.properties?.[key])}; add it`;
      return { ...locate(origins, e.instancePath, 'key'), path: toDotted(child), message };
    }
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      const type = (e.data as { type?: unknown } | null)?.type;
      const variant = typeof type === 'string' && parent?.properties?.type ? ` (type ${type})` : '';
      const message = `unknown key '${key}' ${where(e.instancePath)}${variant}${suggestion(key, allowed)}`;
      const child = e.instancePath + toPointer([key]);
      return { ...locate(origins, child, 'key'), path: toDotted(child), message };
    }
    default:
      return { ...locate(origins, e.instancePath, 'value'), path, message: valueMessage(e, path, parent) };
  }
}

function valueMessage(e: ErrorObject, path: string, parent: SchemaLike | undefined): string {
  const got = `got ${describe(e.data)}`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `${path} must be ${typeNoun(String(p.type))}, ${got}${about(parent)}`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      if (e.schemaPath.endsWith('/properties/type/enum')) return unknownType(e, allowed);
      const best = typeof e.data === 'string' ? closestName(e.data, allowed) : undefined;
      return `${path} must be one of: ${allowed.join(', ')}; ${got}${best ? `; did you mean '${best}'?` : ''}`;
    }
    case 'const':
      return `${path} must be ${JSON.stringify(p.allowedValue)}, ${got}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${path} must be ${String(p.comparison)} ${String(p.limit)}, ${got}${about(parent)}`;
    case 'minItems':
      return `${path} needs at least ${String(p.limit)} item(s), ${got}`;
    case 'maxItems':
    case 'additionalItems':
      return `${path} takes at most ${String(p.limit)} item(s), ${got}`;
    case 'minLength':
      return p.limit === 1 ? `${path} must not be empty${about(parent)}` : `${path} needs at least ${String(p.limit)} characters, ${got}`;
    case 'pattern':
      return `${path} must match the pattern ${String(p.pattern)}, ${got}${about(parent)}`;
    default:
      return `${path} ${e.message ?? 'is invalid'}, ${got}`;
  }
}

function unknownType(e: ErrorObject, known: string[]): string {
  const union = fromPointer(e.instancePath).slice(0, -1);
  const inList = /^\d+$/.test(union[union.length - 1] ?? '');
  const name = [...union].reverse().find((s) => !/^\d+$/.test(s)) ?? 'config';
  const noun = inList ? name.replace(/s$/, '') : name;
  const at = inList ? ` at ${toDotted(toPointer(union))}` : '';
  const best = closestName(String(e.data), known);
  return `unknown ${noun} type '${String(e.data)}'${at}; ${best ? `did you mean '${best}'? ` : ''}known: ${known.join(', ')}`;
}

function where(pointer: string): string {
  return pointer === '' ? 'at the top level' : `in ${toDotted(pointer)}`;
}

// The field's own description (and default) tells the user what the value is for and what is typical.
function about(schema: SchemaLike | undefined): string {
  if (!schema?.description) return '';
  // A section's `{}` default says nothing useful; scalar and list defaults show a typical value.
  const def = schema.default === undefined || isRecord(schema.default) ? '' : ` Defaults to ${JSON.stringify(schema.default)}.`;
  return ` (${schema.description.replace(/\.?$/, '.')}${def})`;
}

/** How a JSON Schema type reads in a message: `integer` → `a whole number`. */
export function typeNoun(type: string): string {
  const nouns: Record<string, string> = {
    integer: 'a whole number',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
    object: 'a mapping (key: value lines)',
    array: 'a list',
    null: 'empty',
  };
  return type.split(',').map((t) => nouns[t] ?? t).join(' or ');
}

/** Describes a received value for a message: `the string "ten"`, `5`, `a list`, `an empty value`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 40)})`;
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}
