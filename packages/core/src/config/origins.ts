// Where each value of the config came from, so that an error found after merging and defaulting can still
// point into the file (or the --set option) that set it.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { isWithin, parentPointer, toPointer } from './pointer.js';

/** A 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** The source of one value: the file (or `--set …` label) and where its key and value start. */
export interface Origin {
  file: string;
  key?: Position;
  value?: Position;
  /** Set when the value was interpolated from environment variables: the string as written, and the variables. */
  env?: { template: string; names: string[] };
}

/** Origins keyed by the JSON pointer of each value in the data. */
export type Origins = Map<string, Origin>;

/** A resolved location for an issue; empty when nothing is known. */
export interface Location {
  file?: string;
  line?: number;
  col?: number;
}

/**
 * Finds where to report a problem at `pointer`.
 *
 * `prefer: 'key'` points at the key (unknown keys, missing keys in a mapping) and `'value'` at the value
 * (type errors). A value with no origin of its own was filled in by a default, so the nearest ancestor that
 * the user wrote is blamed, at its key.
 */
export function locate(origins: Origins, pointer: string, prefer: 'key' | 'value'): Location {
  let p: string | undefined = pointer;
  let exact = true;
  while (p !== undefined) {
    const o = origins.get(p);
    if (o) {
      const pos = exact && prefer === 'value' ? (o.value ?? o.key) : (o.key ?? o.value);
      return pos ? { file: o.file, line: pos.line, col: pos.col } : { file: o.file };
    }
    p = parentPointer(p);
    exact = false;
  }
  return {};
}

/** Removes the origins of `pointer` and everything below it. */
export function dropOrigins(origins: Origins, pointer: string): void {
  for (const p of [...origins.keys()]) if (isWithin(p, pointer)) origins.delete(p);
}

/** Records the origin of every node of a parsed YAML document, keyed by JSON pointer. */
export function collectOrigins(doc: Document, lineCounter: LineCounter, file: string): Origins {
  const origins: Origins = new Map();
  const at = (offset: number | undefined): Position | undefined => (offset === undefined ? undefined : lineCounter.linePos(offset));
  const walk = (node: unknown, segments: (string | number)[], key?: Position): void => {
    const value = at((node as Node | null)?.range?.[0]);
    origins.set(toPointer(segments), { file, key, value });
    // Aliases are not followed: expanding them here is what an alias bomb relies on. Values under an alias
    // are reported at the alias itself.
    if (isAlias(node)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...segments, k], at((pair.key as Node | null)?.range?.[0]) ?? value);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...segments, i]));
    }
  };
  walk(doc.contents, []);
  return origins;
}
