// Reads a table file into rows of raw cells, each with the 1-based line of the file it starts on (as an
// editor shows it). CSV/TSV and JSON Lines are streamed and counted as they are read, so a file over the
// row limit is refused after `max_rows + 1` rows instead of being held in memory.
import { createReadStream } from 'node:fs';
import { stat, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import jsonc from 'jsonc-parser';
import type { DataIssue } from '../dataset-type.js';
import { DataFileError } from '../../errors.js';
import type { TableFormat } from './schema.js';

/** One cell as the file holds it: text (CSV), a JSON scalar, or null when absent. */
export type Cell = string | number | boolean | null;

/** A table read from one file. */
export interface RawTable {
  file: string;
  format: TableFormat;
  /** Column names: the CSV header, or every key of the JSON rows in order of first appearance. */
  header: string[];
  /** Line of the header (CSV/TSV); undefined for JSON. */
  headerLine?: number;
  /** Cells per row, aligned with `header` (short rows padded with null). */
  rows: Cell[][];
  /** 1-based line on which each row starts. */
  lines: number[];
  /** Rows that could not be read as a row of the table (ragged, not an object, nested value, bad JSON). */
  issues: DataIssue[];
}

/**
 * Largest JSON array file read. JSON.parse needs the whole text as one string (V8 caps strings at ~512 MiB);
 * JSON Lines and CSV have no such cap because they are streamed.
 */
export const MAX_JSON_ARRAY_BYTES = 256 * 1024 * 1024;
/** Largest single CSV record, so a file without line breaks cannot grow one row until memory runs out. */
const MAX_RECORD_BYTES = 8 * 1024 * 1024;

const EXTENSIONS: Record<string, TableFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** The format named by a file's extension, or undefined. */
export function formatFromPath(file: string): TableFormat | undefined {
  const m = /\.[^./\\]+$/.exec(file.toLowerCase());
  return m ? EXTENSIONS[m[0]] : undefined;
}

/** The extensions `format: auto` knows. */
export const KNOWN_EXTENSIONS = Object.keys(EXTENSIONS);

/** Reads `file` as `format`; throws DataFileError when it is missing, unreadable as a whole or over `maxRows`. */
export async function readTable(file: string, format: TableFormat, maxRows: number): Promise<RawTable> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new DataFileError([{ file, message: 'is not a file; data.path must name a table file.' }]);
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError([{ file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); check data.path, which is relative to the experiment file.` }]);
  }
  switch (format) {
    case 'csv':
    case 'tsv':
      return readDelimited(file, format, maxRows);
    case 'jsonl':
      return readJsonLines(file, maxRows);
    case 'json':
      return readJsonArray(file, maxRows);
  }
}

function tooManyRows(file: string, maxRows: number): DataFileError {
  return new DataFileError([
    {
      file,
      message: `has more than ${maxRows.toLocaleString('en-US')} data rows (data.max_rows); it was not loaded. ` +
        'Raise data.max_rows if the machine has the memory for it, or sample the file.',
    },
  ]);
}

async function readDelimited(file: string, format: 'csv' | 'tsv', maxRows: number): Promise<RawTable> {
  const parser = createReadStream(file).pipe(
    parseCsv({
      delimiter: format === 'tsv' ? '\t' : ',',
      bom: true,
      info: true,
      // Ragged rows are reported by line below instead of aborting the parse at the first one.
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES,
    }),
  );
  const table: RawTable = { file, format, header: [], rows: [], lines: [], issues: [] };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // `info.lines` is the line a record ends on; a quoted field may span lines, so count back to its start.
      const line = info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
      if (table.headerLine === undefined) {
        table.header = record.map((h) => h.trim());
        table.headerLine = line;
        continue;
      }
      if (table.rows.length === maxRows) {
        parser.destroy();
        throw tooManyRows(file, maxRows);
      }
      if (record.length !== table.header.length) {
        table.issues.push({
          file,
          line,
          message: `row has ${record.length} fields but the header (line ${table.headerLine}) has ${table.header.length}; check for a missing or extra ${format === 'tsv' ? 'tab' : 'comma or an unquoted comma in a value'}.`,
        });
        continue;
      }
      table.rows.push(record);
      table.lines.push(line);
    }
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    const err = e as { code?: string; lines?: number; message: string };
    table.issues.push({ file, line: err.lines, message: `cannot be parsed as ${format.toUpperCase()}: ${err.message}` });
  }
  if (table.headerLine === undefined) table.issues.push({ file, message: `is empty; a ${format.toUpperCase()} table needs a header row and data rows.` });
  return table;
}

/** Appends one JSON object as a row, growing the header with keys seen for the first time. */
function addObject(table: RawTable, columns: Map<string, number>, value: unknown, line: number): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    table.issues.push({ file: table.file, line, message: `expected an object of column values, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.` });
    return;
  }
  const row: Cell[] = new Array<Cell>(table.header.length).fill(null);
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object') {
      table.issues.push({ file: table.file, line, message: `column '${key}' holds a nested ${Array.isArray(v) ? 'array' : 'object'}; table cells must be numbers, strings or booleans.` });
      return;
    }
    let i = columns.get(key);
    if (i === undefined) {
      i = table.header.length;
      columns.set(key, i);
      table.header.push(key);
    }
    row[i] = v as Cell;
  }
  table.rows.push(row);
  table.lines.push(line);
}

/** Pads earlier rows to the final header width (JSON rows may introduce keys late). */
function padRows(table: RawTable): void {
  for (const row of table.rows) while (row.length < table.header.length) row.push(null);
}

async function readJsonLines(file: string, maxRows: number): Promise<RawTable> {
  const table: RawTable = { file, format: 'jsonl', header: [], rows: [], lines: [], issues: [] };
  const columns = new Map<string, number>();
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      if (table.rows.length + table.issues.length >= maxRows) throw tooManyRows(file, maxRows);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        table.issues.push({ file, line, message: `is not valid JSON: ${(e as Error).message}` });
        continue;
      }
      addObject(table, columns, value, line);
    }
  } finally {
    lines.close();
    input.destroy();
  }
  padRows(table);
  if (table.rows.length === 0 && table.issues.length === 0) table.issues.push({ file, message: 'is empty; JSON Lines need one object per line.' });
  return table;
}

async function readJsonArray(file: string, maxRows: number): Promise<RawTable> {
  const { size } = await stat(file);
  if (size > MAX_JSON_ARRAY_BYTES) {
    throw new DataFileError([
      {
        file,
        message: `is ${(size / 2 ** 20).toFixed(0)} MiB; a JSON array is read whole, up to ${MAX_JSON_ARRAY_BYTES / 2 ** 20} MiB. Convert it to JSON Lines (one object per line) or CSV, which are streamed.`,
      },
    ]);
  }
  const text = await readFile(file, 'utf8');
  const table: RawTable = { file, format: 'json', header: [], rows: [], lines: [], issues: [] };
  // JSON.parse keeps no positions, so a tokenizer pass (jsonc-parser, which builds no tree) finds the line each
  // top-level element starts on and the line of a syntax error; JSON.parse then makes the values.
  const starts: number[] = [];
  let depth = 0;
  let rootIsArray = false;
  const open = (_o: number, _l: number, startLine: number) => {
    if (depth === 1) starts.push(startLine + 1);
    depth++;
  };
  let syntaxError: DataIssue | undefined;
  jsonc.visit(
    text,
    {
      onArrayBegin: (o, l, startLine) => {
        if (depth === 0) rootIsArray = true;
        open(o, l, startLine);
      },
      onObjectBegin: open,
      onArrayEnd: () => void depth--,
      onObjectEnd: () => void depth--,
      onLiteralValue: (_v, _o, _l, startLine) => {
        if (depth === 1) starts.push(startLine + 1);
      },
      onError: (code, _o, _l, startLine) => {
        // printParseErrorCode names the error in CamelCase (`CommaExpected`); the message reads it as words.
        const what = jsonc.printParseErrorCode(code).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
        syntaxError ??= { file, line: startLine + 1, message: `is not valid JSON: ${what} on this line.` };
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  if (syntaxError) {
    table.issues.push(syntaxError);
    return table;
  }
  if (!rootIsArray) {
    table.issues.push({ file, line: 1, message: 'must hold a JSON array of row objects (or use .jsonl for one object per line).' });
    return table;
  }
  if (starts.length > maxRows) throw tooManyRows(file, maxRows);
  const values = JSON.parse(text) as unknown[];
  const columns = new Map<string, number>();
  values.forEach((v, i) => addObject(table, columns, v, starts[i]));
  padRows(table);
  if (table.rows.length === 0 && table.issues.length === 0) table.issues.push({ file, line: 1, message: 'holds no rows.' });
  return table;
}
