// Sampled parameters → `--set path=value` options, so a trial is just `xp run <experiment> --set …` and its
// config goes through the same loader (and the same validation) as any other run.

/** Encodes one value as the YAML text of a `--set` option; it parses back to exactly `value`. */
export function encodeOverrideValue(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`encodeOverrideValue: value must be a finite number, received ${value}`);
    return String(value); // `1e-7`, `0.001`, `-3`: all plain YAML 1.2 numbers
  }
  if (typeof value === 'boolean' || value === null) return String(value);
  // JSON is flow YAML: a string stays a string even when it reads as a number or `true` ("3", "true"), and
  // lists and mappings keep their structure.
  if (typeof value === 'string' || typeof value === 'object') return JSON.stringify(value);
  throw new TypeError(`encodeOverrideValue: cannot encode a ${typeof value} (${String(value)}); parameter values are YAML data`);
}

/**
 * The `--set` options that apply sampled parameters to the experiment.
 *
 * @param params - Dotted config path → value, as a sampler returns them.
 * @returns One `path=value` string per parameter, in the order given.
 * @example paramOverrides({ 'model.dropout': 0.3, 'model.filters': [32, 64] })
 *   // → ['model.dropout=0.3', 'model.filters=[32,64]']
 */
export function paramOverrides(params: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(params).map(([path, value]) => `${path}=${encodeOverrideValue(value)}`);
}
