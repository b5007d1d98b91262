// Paths inside the config are kept as JSON pointers (RFC 6901), the form ajv reports, so that origins and
// validation errors meet on one key. People see dotted paths instead.

/** Joins path segments into a JSON pointer (`['a', 0]` → `/a/0`). */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Splits a JSON pointer into its (unescaped) segments; `''` is the root. */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The pointer of the parent, or undefined for the root. */
export function parentPointer(pointer: string): string | undefined {
  if (pointer === '') return undefined;
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

/** Dotted form for messages: `/augment/0/p` → `augment[0].p`. Numeric segments are shown as list indices. */
export function toDotted(pointer: string): string {
  let out = '';
  for (const s of fromPointer(pointer)) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

/** True when `pointer` is `base` itself or lies below it. */
export function isWithin(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(base + '/');
}

/** A plain (non-array, non-null) object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `pointer`, or undefined when some segment does not exist. */
export function getAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const s of fromPointer(pointer)) {
    if (Array.isArray(cur)) cur = /^\d+$/.test(s) ? cur[Number(s)] : undefined;
    else if (isRecord(cur)) cur = hasOwn(cur, s) ? cur[s] : undefined;
    else return undefined;
  }
  return cur;
}

/** True when `obj` has its own key `key` (inherited names such as `toString` do not count). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Sets an own property, even for a key named `__proto__` (plain assignment would change the prototype). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
