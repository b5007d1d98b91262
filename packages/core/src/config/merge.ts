// Deep merge for `extends`: mappings merge key by key, anything else (lists included) is replaced whole by
// the child. Replacing lists keeps a child's `filters: [16]` from being spliced into a base's `[32, 64]`.
import type { Origins } from './origins.js';
import { getAt, hasOwn, isRecord, setOwn, toPointer } from './pointer.js';

/** Plain config data together with the origin of each of its values. */
export interface Layer {
  data: Record<string, unknown>;
  origins: Origins;
}

/**
 * Copies plain data (mappings, lists, scalars).
 *
 * YAML aliases come out of the parser as one shared object; copying gives each use its own, so that a
 * default or a `--set` applied at one place does not silently change another.
 */
export function cloneData<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cloneData(v)) as T;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneData(v)])) as T;
  return value;
}

/**
 * Merges `child` over `base`: mappings recursively, everything else replaced by the child's value.
 *
 * A mapping whose `type` changes (e.g. `model: {type: multihead-cnn}` over a baseline-cnn) replaces the
 * base mapping whole: the options of one registry entry mean nothing to another.
 */
export function deepMerge(base: unknown, child: unknown): unknown {
  if (!isRecord(base) || !isRecord(child)) return cloneData(child);
  if (hasOwn(child, 'type') && hasOwn(base, 'type') && child.type !== base.type) return cloneData(child);
  const out: Record<string, unknown> = cloneData(base);
  for (const [k, v] of Object.entries(child)) setOwn(out, k, hasOwn(out, k) ? deepMerge(out[k], v) : cloneData(v));
  return out;
}

/** Merges two layers; each merged value keeps the origin of the layer it came from. */
export function mergeLayers(base: Layer, child: Layer): Layer {
  const data = deepMerge(base.data, child.data) as Record<string, unknown>;
  const origins: Origins = new Map();
  const walk = (value: unknown, segments: (string | number)[]): void => {
    const p = toPointer(segments);
    // Decided by where the value is, not by which layer has an origin: a value under a child's alias has
    // no origin of its own and must fall back to the alias, not to the base file.
    const o = getAt(child.data, p) !== undefined ? child.origins.get(p) : base.origins.get(p);
    if (o) origins.set(p, o);
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segments, i]));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(v, [...segments, k]);
  };
  walk(data, []);
  return { data, origins };
}
