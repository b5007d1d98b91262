// What a plugin's registry entry must be to join a `type` union: a name like the built-in ones and an
// options schema that is a JSON Schema object. Checked when the plugin is loaded, so a broken plugin is
// reported by its file and entry instead of surfacing later as an ajv error about the whole experiment.
import type { TObject } from '@sinclair/typebox';
import { isRecord } from './pointer.js';
import { compileSchema } from './validate.js';

/** Names of plugin entries: snake_case like the built-ins (`early_stopping`), so configs read alike. */
export const EXTENSION_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/**
 * Problems with one plugin entry, as sentences (empty when it can be used). `schema` is the JSON Schema of the
 * entry's options: a TypeBox `Type.Object(…)` or a plain `{ type: 'object', properties: … }`.
 */
export function extensionProblems(name: string, schema: unknown): string[] {
  const problems: string[] = [];
  if (!EXTENSION_NAME_PATTERN.test(name)) problems.push(`the name '${name}' must be snake_case (lower-case letters, digits and _, starting with a letter)`);
  if (!isRecord(schema) || schema.type !== 'object') {
    problems.push("its schema must be a JSON Schema object ({ type: 'object', properties: {…} }) or a TypeBox Type.Object(…)");
    return problems;
  }
  if (schema.properties !== undefined && !isRecord(schema.properties)) problems.push('its schema.properties must be a mapping of option names to schemas');
  // `type` is the discriminator: its value is the entry's name, set by xp.
  else if (isRecord(schema.properties) && Object.hasOwn(schema.properties, 'type')) problems.push("its schema must not declare a 'type' option: `type` is the entry's name");
  if (problems.length === 0) {
    try {
      compileSchema(schema as TObject);
    } catch (e) {
      problems.push(`its schema is not valid JSON Schema: ${(e as Error).message}`);
    }
  }
  return problems;
}
