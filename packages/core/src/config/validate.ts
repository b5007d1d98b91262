// The JSON Schema check. One ajv validator does both jobs: with `useDefaults` it fills in every default
// (including those inside the if/then branches of `type`-discriminated unions), and with `allErrors` it
// reports every problem instead of the first.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ExperimentSchema } from '../schema/experiment.js';

// Compiled on first use and never changed: a cache of a constant, not shared mutable state.
let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, useDefaults: true, verbose: true }).compile(ExperimentSchema);
  return compiled;
}

/** Fills in schema defaults in place; problems are left for {@link validateSchema}. */
export function applyDefaults(data: Record<string, unknown>): void {
  validator()(data);
}

/** Validates `data` (filling in defaults in place) and returns ajv's raw errors, empty when valid. */
export function validateSchema(data: Record<string, unknown>): ErrorObject[] {
  const validate = validator();
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
