// The JSON Schema files editors read (via `# yaml-language-server: $schema=...`). They are generated from the
// TypeBox schemas of core and of the registries the runner passes in, never edited by hand; a runner test fails
// when a committed copy is out of date.
//
// They are *editor* documents, not the validator `xp validate` and `xp run` use (that one is core's TypeBox
// schema as is, see config/validate.ts). An editor sees one file at a time, so the document must accept every
// file xp accepts:
// - a file that `extends` another is a partial config: no key is required at any depth (the file it builds on
//   may give them), though every key it has is checked as strictly as in a complete file;
// - a `callbacks[].type` may name a `--plugin` callback, which `xp validate --plugin` checks for real;
// - `task: classification` is short for `task: { type: classification }` (the loader expands it before validating).
import { Ajv, type ValidateFunction } from 'ajv';
import { EXTENSION_NAME_PATTERN } from './config/extensions.js';
import { experimentSchema, type SchemaExtensions } from './schema/experiment.js';
import { SweepFileSchema } from './sweep/schema.js';

/** `$id` of the exported experiment schema. */
export const EXPERIMENT_SCHEMA_ID = 'urn:xp:experiment';
/** `$id` of the exported sweep schema. */
export const SWEEP_SCHEMA_ID = 'urn:xp:sweep';

type Schema = Record<string, unknown>;

const isSchema = (x: unknown): x is Schema => typeof x === 'object' && x !== null && !Array.isArray(x);
const plain = (schema: unknown): Schema => JSON.parse(JSON.stringify(schema)) as Schema;

// Keywords whose value is a schema, an array of schemas, or a mapping of names to schemas (draft-07). Every
// other keyword's value is data (`default`, `enum`, `const`, `examples`, …) and is left alone.
const SUBSCHEMA = ['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'then', 'else'];
const SUBSCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'items'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'];

/**
 * The discriminator of a union written as `allOf: [{ if: { properties: { <key>: { const } }, required: [<key>] }, then }, …]`
 * (see `discriminated` in schema/fields.ts), or undefined for any other schema.
 */
function discriminator(schema: Schema): string | undefined {
  const branches = schema.allOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const keys = branches.map((b) => {
    const cond = isSchema(b) && isSchema(b.if) && isSchema(b.then) ? b.if : undefined;
    const req = cond?.required;
    const key = Array.isArray(req) && req.length === 1 ? (req[0] as string) : undefined;
    return key !== undefined && isSchema(cond?.properties) && isSchema(cond.properties[key]) && 'const' in cond.properties[key] ? key : undefined;
  });
  return keys.every((k) => k !== undefined && k === keys[0]) ? keys[0] : undefined;
}

/**
 * `schema` with every `required` removed, at any depth: what a file that builds on another may be. The `if` of
 * an if/then branch keeps its own `required` (a discriminated union's `if: { required: ['type'], … }` picks
 * the branch), so a section that names its `type` is still checked against that type's options. One that does
 * not (`data: { val: { count: 6000 } }`, the type coming from the file it extends) must fit the options of at
 * least one type: a key no type has, or a value no type takes, is still an error.
 */
export function partialSchema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'required') continue;
    if (SUBSCHEMA_ARRAYS.includes(k) && Array.isArray(v)) out[k] = v.map((s) => (isSchema(s) ? partialSchema(s) : s));
    else if (SUBSCHEMA.includes(k) && isSchema(v)) out[k] = partialSchema(v);
    else if (SUBSCHEMA_MAPS.includes(k) && isSchema(v)) out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, isSchema(s) ? partialSchema(s) : s]));
    else out[k] = v; // `if` included: see above
  }
  const key = discriminator(schema);
  if (key !== undefined) {
    const variants = (out.allOf as Schema[]).map((b) => b.then as Schema);
    out.allOf = [...(out.allOf as Schema[]), { if: { not: { required: [key] } }, then: { anyOf: variants } }];
  }
  return out;
}

/** The experiment schema as editors check it: plugin callbacks named, `task` in its short form. */
function editorBody(ext: SchemaExtensions): Schema {
  const body = plain(experimentSchema(ext));
  const props = body.properties as Record<string, Schema>;
  // `callbacks[].type`: the built-in names (offered for completion, their branches still check their options),
  // or any name a plugin could have (snake_case, as the plugin loader requires).
  const callbackType = ((props.callbacks.items as Schema).properties as Record<string, Schema>).type;
  const known = callbackType.enum as string[];
  delete callbackType.enum;
  callbackType.anyOf = [{ enum: known }, { pattern: EXTENSION_NAME_PATTERN.source }];
  callbackType.description = `One of: ${known.join(', ')}; or a --plugin callback's name (snake_case), checked by \`xp validate --plugin\`.`;
  // `task: <type>` is short for `task: { type: <type> }`.
  const { description, ...task } = props.task;
  const taskType = (task.properties as Record<string, Schema>).type;
  props.task = { description, anyOf: [{ ...taskType, description: 'Short for `{ type: … }`.' }, task] };
  return body;
}

/**
 * The experiment JSON Schema for editors, with the registries of `ext` (the runner passes its built-ins), as a
 * standalone draft-07 document: a file with `extends` is checked as a partial config ({@link partialSchema}),
 * a file without as a complete one.
 */
export function experimentJsonSchema(ext: SchemaExtensions = {}): Schema {
  const strict = editorBody(ext);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: EXPERIMENT_SCHEMA_ID,
    title: 'xp experiment',
    description: strict.description,
    if: { type: 'object', required: ['extends'] },
    then: partialSchema(strict),
    else: strict,
  };
}

/** The sweep file's JSON Schema as a standalone draft-07 document (a sweep file has no `extends`: all of it is checked). */
export function sweepJsonSchema(): Schema {
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: SWEEP_SCHEMA_ID, title: 'xp sweep', ...plain(SweepFileSchema) };
}

const text = (doc: Schema) => JSON.stringify(doc, null, 2) + '\n';

/** The text of `schema/experiment.schema.json`: pretty JSON with a final newline. */
export function experimentJsonSchemaText(ext: SchemaExtensions = {}): string {
  return text(experimentJsonSchema(ext));
}

/** The text of `schema/sweep.schema.json`: pretty JSON with a final newline. */
export function sweepJsonSchemaText(): string {
  return text(sweepJsonSchema());
}

/**
 * Compiles an exported document as an editor reads it: a plain draft-07 validator that reports every error and,
 * unlike {@link compileSchema}, fills in no defaults (the file is checked as written).
 */
export function compileEditorSchema(doc: Schema): ValidateFunction {
  return new Ajv({ allErrors: true }).compile(doc);
}
