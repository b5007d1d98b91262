// The config hash identifies "the same experiment" across runs, so it must not depend on key order in the
// YAML or on which file of an `extends` chain set a value: it is taken over canonical JSON (sorted keys).
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal data always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** First 12 hex characters of the sha256 of the canonical JSON of `config`. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
}
