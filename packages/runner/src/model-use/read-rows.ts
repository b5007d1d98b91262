// Table rows for prediction from text: CSV/TSV with a header, JSON Lines, or a JSON array of objects. Each row
// keeps the line it starts on, so a bad value is reported as `file:line`. Cells stay as the file holds them
// (CSV text, JSON scalars): the model's encoders classify them as training did.
import { parse } from 'csv-parse/sync';
import { ModelInputError } from './errors.js';

/** Row formats. */
export type RowFormat = 'csv' | 'tsv' | 'jsonl' | 'json';

/** Rows read from one source, with the 1-based line each starts on. */
export interface ReadRows {
  rows: Record<string, unknown>[];
  lines: number[];
}

/** The format a file's extension names, or undefined. */
export function rowFormatOf(file: string): RowFormat | undefined {
  const ext = /\.([^./\\]+)$/.exec(file.toLowerCase())?.[1];
  return ext === 'csv' ? 'csv' : ext === 'tsv' || ext === 'tab' ? 'tsv' : ext === 'jsonl' || ext === 'ndjson' ? 'jsonl' : ext === 'json' ? 'json' : undefined;
}

/** Guesses the format of text without a name (stdin): JSON when it starts with `{` or `[`, else CSV (TSV when the first line has tabs but no commas). */
export function sniffRowFormat(text: string): RowFormat {
  const t = text.trimStart();
  if (t.startsWith('[')) return 'json';
  if (t.startsWith('{')) return 'jsonl';
  const first = t.split('\n', 1)[0];
  return first.includes('\t') && !first.includes(',') ? 'tsv' : 'csv';
}

/** Parses `text` as `format`; `source` names it in errors. Throws ModelInputError (kind `rows`) for unreadable rows. */
export function readRows(text: string, format: RowFormat, source: string): ReadRows {
  const fail = (line: number | undefined, msg: string) => new ModelInputError('rows', `${source}${line ? `:${line}` : ''}: ${msg}`);
  if (format === 'jsonl') {
    const rows: Record<string, unknown>[] = [];
    const lines: number[] = [];
    text.split('\n').forEach((l, i) => {
      if (l.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        throw fail(i + 1, `not valid JSON (${(e as Error).message}); JSON Lines hold one object per line`);
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(i + 1, 'not a JSON object of column values');
      rows.push(v as Record<string, unknown>);
      lines.push(i + 1);
    });
    return { rows, lines };
  }
  if (format === 'json') {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw fail(undefined, `not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(v)) throw fail(undefined, 'a .json file of rows must hold an array of objects');
    v.forEach((r, i) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw fail(undefined, `element ${i} is not an object of column values`);
    });
    // JSON arrays carry no per-row lines worth naming; the row's index (1-based) stands in.
    return { rows: v as Record<string, unknown>[], lines: v.map((_, i) => i + 1) };
  }
  try {
    const records = parse(text, { columns: true, delimiter: format === 'tsv' ? '\t' : ',', skip_empty_lines: true, bom: true, info: true }) as Array<{
      record: Record<string, string>;
      info: { lines: number };
    }>;
    return { rows: records.map((r) => r.record), lines: records.map((r) => r.info.lines) };
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw fail(err.lines, err.message.replace(/^Invalid Record Length: /, ''));
  }
}
