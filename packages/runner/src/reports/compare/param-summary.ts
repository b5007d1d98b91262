// Short forms of long param values, so the table fits a screen: runs log lists and mappings (model.blocks,
// callbacks, augment) as JSON, which can be hundreds of characters. The full value stays in the HTML tooltip.
import { createHash } from 'node:crypto';

/** Longest param cell; longer values are summarised. */
export const PARAM_WIDTH = 32;

/** First 7 hex digits of the value's SHA-1: tells apart two values whose summaries read the same. */
export function shortHash(value: string): string {
  return createHash('sha1').update(value).digest('hex').slice(0, 7);
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

// `model.blocks` → `blocks`, `callbacks` → `callbacks`; a list's summary counts its items by this noun.
function noun(key: string, n: number): string {
  const last = key.split('.').pop() ?? key;
  const plural = last.endsWith('s') ? last : `${last}s`;
  return n === 1 ? plural.replace(/s$/, '') : plural;
}

// `early_stopping, reduce_lr_on_plateau, …`: the items' `type`s, as many as fit in `room` characters;
// undefined when an item has no `type` or not even one fits.
function typesList(items: readonly unknown[], room: number): string | undefined {
  const types = items.map((i) => (i !== null && typeof i === 'object' && typeof (i as { type?: unknown }).type === 'string' ? (i as { type: string }).type : undefined));
  if (types.length === 0 || types.some((t) => t === undefined)) return undefined;
  const text = (n: number) => [...types.slice(0, n), ...(n < types.length ? ['…'] : [])].join(', ');
  let n = 0;
  while (n < types.length && text(n + 1).length <= room) n++;
  return n > 0 ? text(n) : undefined;
}

/**
 * The cell of one param value at most `width` characters: the value itself when it fits; a list as
 * `[3 callbacks: early_stopping, …]` (its items' `type`s) or `[2 blocks]`; a mapping by its keys; any other
 * long text cut with `…`.
 */
export function summariseParam(key: string, value: string, width = PARAM_WIDTH): string {
  if ([...value].length <= width) return value;
  const parsed = parseJson(value);
  if (Array.isArray(parsed)) {
    const head = `${parsed.length} ${noun(key, parsed.length)}`;
    const types = typesList(parsed, width - head.length - 4);
    return types ? `[${head}: ${types}]` : `[${head}]`;
  }
  if (parsed && typeof parsed === 'object') {
    const keys = Object.keys(parsed);
    const list = keys.join(', ');
    return list.length + 2 <= width ? `{${list}}` : `{${keys.length} keys}`;
  }
  return `${[...value].slice(0, width - 1).join('')}…`;
}

/**
 * The cells of one param column: each value summarised, and a short hash added where different values
 * would otherwise read the same (two block lists of the same length).
 */
export function paramCells(key: string, values: ReadonlyArray<string | undefined>, missing: string, width = PARAM_WIDTH): string[] {
  const summaries = values.map((v) => (v === undefined ? undefined : summariseParam(key, v, width)));
  const sources = new Map<string, Set<string>>();
  values.forEach((v, i) => {
    const s = summaries[i];
    if (v !== undefined && s !== undefined && s !== v) sources.set(s, (sources.get(s) ?? new Set()).add(v));
  });
  return values.map((v, i) => {
    const s = summaries[i];
    if (v === undefined || s === undefined) return missing;
    return (sources.get(s)?.size ?? 0) > 1 ? `${s} ${shortHash(v)}` : s;
  });
}
