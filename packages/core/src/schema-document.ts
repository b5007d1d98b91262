// The JSON Schema file editors read (via `# yaml-language-server: $schema=...`). It is generated from the
// TypeBox schemas of core and of the registries the runner passes in, never edited by hand; a runner test fails
// when the committed copy is out of date.
import { experimentSchema, type SchemaExtensions } from './schema/experiment.js';

/** `$id` of the exported schema. */
export const EXPERIMENT_SCHEMA_ID = 'urn:xp:experiment';

/** The experiment JSON Schema with the registries of `ext` (the runner passes its built-ins) as a standalone draft-07 document. */
export function experimentJsonSchema(ext: SchemaExtensions = {}): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: EXPERIMENT_SCHEMA_ID,
    title: 'xp experiment',
    ...(JSON.parse(JSON.stringify(experimentSchema(ext))) as Record<string, unknown>),
  };
}

/** The text of `schema/experiment.schema.json`: pretty JSON with a final newline. */
export function experimentJsonSchemaText(ext: SchemaExtensions = {}): string {
  return JSON.stringify(experimentJsonSchema(ext), null, 2) + '\n';
}
