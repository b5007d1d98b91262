// The JSON Schema check. One ajv validator does both jobs: with `useDefaults` it fills in every default
// (including those inside the if/then branches of `type`-discriminated unions), and with `allErrors` it
// reports every problem instead of the first.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { experimentSchema, ExperimentSchema, type SchemaExtensions } from '../schema/experiment.js';

/**
 * Compiles `schema` with the options every xp config file is checked with (defaults filled in, all errors
 * reported, `verbose` so that messages can show the value received). Other config files (sweeps) use it too.
 */
export function compileSchema(schema: TSchema): ValidateFunction {
  return new Ajv({ allErrors: true, useDefaults: true, verbose: true }).compile(schema);
}

/** Runs a compiled validator on `data` (filling in defaults in place); ajv's raw errors, empty when valid. */
export function schemaErrors(validate: ValidateFunction, data: unknown): ErrorObject[] {
  return validate(data) ? [] : [...(validate.errors ?? [])];
}

// Compiled on first use per set of extensions and never changed: a cache of constants, not shared mutable
// state. Keyed by the extensions object, so the plugins of one command line compile once.
const BUILT_IN: SchemaExtensions = {};
const compiled = new WeakMap<SchemaExtensions, ValidateFunction>();

function validator(ext: SchemaExtensions = BUILT_IN): ValidateFunction {
  let v = compiled.get(ext);
  if (!v) {
    v = compileSchema(ext === BUILT_IN ? ExperimentSchema : experimentSchema(ext));
    compiled.set(ext, v);
  }
  return v;
}

/** Fills in schema defaults in place; problems are left for {@link validateSchema}. */
export function applyDefaults(data: Record<string, unknown>, ext?: SchemaExtensions): void {
  validator(ext)(data);
}

/** Validates `data` (filling in defaults in place) and returns ajv's raw errors, empty when valid. */
export function validateSchema(data: Record<string, unknown>, ext?: SchemaExtensions): ErrorObject[] {
  return schemaErrors(validator(ext), data);
}
