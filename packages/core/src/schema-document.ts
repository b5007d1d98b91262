// The JSON Schema file editors read (via `# yaml-language-server: $schema=...`). It is generated from the
// TypeBox schema, never edited by hand; a test fails when the committed copy is out of date.
import { ExperimentSchema } from './schema/experiment.js';

/** `$id` of the exported schema. */
export const EXPERIMENT_SCHEMA_ID = 'urn:xp:experiment';

/** The experiment JSON Schema as a standalone draft-07 document. */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: EXPERIMENT_SCHEMA_ID,
    title: 'xp experiment',
    ...(JSON.parse(JSON.stringify(ExperimentSchema)) as Record<string, unknown>),
  };
}

/** The text of `schema/experiment.schema.json`: pretty JSON with a final newline. */
export function experimentJsonSchemaText(): string {
  return JSON.stringify(experimentJsonSchema(), null, 2) + '\n';
}
