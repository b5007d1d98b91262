// MLflow's scoring protocol, the request side: the JSON body of `POST /invocations` in any of its four forms
// (`dataframe_split`, `dataframe_records`, `instances`, `inputs`) or a CSV table, turned into one input per row
// for the model. Every problem is a BadRequest naming the row and what to send instead; nothing here throws
// anything else on user input. Pure: no HTTP, no model.

/** What one row of a request is, as the served model declares it. */
export type ServedInput =
  /** An image model: each row is one image in column `column` (base64 of an encoded image, or the preprocessed [H,W,C] array). */
  | { kind: 'image'; column: string; shape: readonly [number, number, number] }
  /**
   * A table model: each row is a record of these raw columns (as in the training CSV); `ignored` columns (the
   * target's) may be there too and are not read, so rows of the training file can be sent as they are.
   */
  | { kind: 'table'; columns: readonly string[]; ignored?: readonly string[] };

/** One input the model scores. `where` names it in errors (`row 3`, `file 'a.png'`). */
export type ScoreItem =
  | { kind: 'image'; bytes: Buffer; where: string }
  | { kind: 'tensor'; shape: number[]; values: Float32Array; where: string }
  | { kind: 'row'; values: Record<string, unknown>; where: string };

/** The request is wrong: answered with this status (400 unless said) and `{error_code, message}`. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

/** Limits on one request. */
export interface RequestLimits {
  /** Rows (images, records) per request at most. */
  maxRows: number;
}

/** What a parsed request asks for. */
export interface ScoringRequest {
  items: ScoreItem[];
  /** `params.top_k`: how many class probabilities each prediction lists. */
  topK?: number;
}

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
const EXAMPLE: Record<ServedInput['kind'], string> = {
  image: '{"inputs": ["<base64 PNG>", …]} or {"dataframe_records": [{"image": "<base64 PNG>"}]}',
  table: '{"dataframe_records": [{"<column>": value, …}, …]}',
};

/** A JSON body of `/invocations` as the rows it holds. */
export function parseJsonRequest(body: unknown, input: ServedInput, limits: RequestLimits): ScoringRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest(`the body must be a JSON object with exactly one of ${FORMATS.join(', ')}, got ${Array.isArray(body) ? 'a list' : describe(body)}; e.g. ${EXAMPLE[input.kind]}`);
  }
  const obj = body as Record<string, unknown>;
  const keys = Object.keys(obj);
  const formats = keys.filter((k) => (FORMATS as readonly string[]).includes(k));
  const unknown = keys.filter((k) => k !== 'params' && !(FORMATS as readonly string[]).includes(k));
  if (unknown.length) throw new BadRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} in the body: give exactly one of ${FORMATS.join(', ')} (and optionally params)`);
  if (formats.length !== 1) {
    throw new BadRequest(`the body must have exactly one of ${FORMATS.join(', ')}, got ${formats.length ? formats.join(' and ') : 'none'}; e.g. ${EXAMPLE[input.kind]}`);
  }
  const format = formats[0] as (typeof FORMATS)[number];
  const rows = rowsOf(format, obj[format], input);
  if (rows.length === 0) throw new BadRequest(`'${format}' holds no rows: send at least one input`);
  if (rows.length > limits.maxRows) throw new BadRequest(`${rows.length} rows in one request, more than the server's limit of ${limits.maxRows}: split the request (or start xp serve with a larger --max-rows)`);
  return { items: rows.map((r, i) => toItem(r, i, input)), topK: topKOf(obj.params) };
}

/** A CSV body (header row of column names) as its rows; cells stay strings, parsed as the training CSV was. */
export function parseCsvRows(records: Record<string, string>[], input: ServedInput, limits: RequestLimits): ScoringRequest {
  if (records.length === 0) throw new BadRequest('the CSV has a header but no rows: send at least one row');
  if (records.length > limits.maxRows) throw new BadRequest(`${records.length} rows in one request, more than the server's limit of ${limits.maxRows}: split the request`);
  return { items: records.map((r, i) => toItem({ record: r }, i, input)) };
}

/** `params` (`{"top_k": k}`): the top-k asked for, or undefined. */
export function topKOf(params: unknown): number | undefined {
  if (params === undefined || params === null) return undefined;
  if (typeof params !== 'object' || Array.isArray(params)) throw new BadRequest(`'params' must be an object such as {"top_k": 3}, got ${describe(params)}`);
  const { top_k: k, ...rest } = params as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) throw new BadRequest(`unknown param${extra.length > 1 ? 's' : ''} ${extra.map((p) => `'${p}'`).join(', ')}: the only param is top_k`);
  if (k === undefined) return undefined;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) throw new BadRequest(`params.top_k must be a whole number ≥ 0, got ${JSON.stringify(k)}`);
  return k;
}

/** A row before it is checked: a record of columns, or a bare value (an image, a tensor, a positional table row). */
type RawRow = { record: Record<string, unknown> } | { bare: unknown };

function rowsOf(format: (typeof FORMATS)[number], v: unknown, input: ServedInput): RawRow[] {
  switch (format) {
    case 'dataframe_records':
      if (!Array.isArray(v)) throw new BadRequest(`'dataframe_records' must be a list of records ({column: value}), got ${describe(v)}`);
      return v.map((r, i) => {
        if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new BadRequest(`dataframe_records row ${i}: must be a record {column: value}, got ${describe(r)}`);
        return { record: r as Record<string, unknown> };
      });
    case 'dataframe_split':
      return splitRows(v, input);
    case 'instances':
      if (!Array.isArray(v)) throw new BadRequest(`'instances' must be a list (one entry per input), got ${describe(v)}`);
      return v.map(rowOfInstance);
    case 'inputs':
      if (Array.isArray(v)) return v.map(rowOfInstance);
      if (v !== null && typeof v === 'object') return columnarRows(v as Record<string, unknown>);
      throw new BadRequest(`'inputs' must be a list of inputs or an object of columns ({column: [values]}), got ${describe(v)}`);
  }
}

function rowOfInstance(v: unknown): RawRow {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !('b64' in v) ? { record: v as Record<string, unknown> } : { bare: v };
}

/** pandas' split orient: `{columns?, data, index?}`; without columns the model's own order is assumed. */
function splitRows(v: unknown, input: ServedInput): RawRow[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest(`'dataframe_split' must be an object {"columns": [...], "data": [[...], ...]}, got ${describe(v)}`);
  const split = v as Record<string, unknown>;
  const extra = Object.keys(split).filter((k) => !['columns', 'data', 'index'].includes(k));
  if (extra.length || !('data' in split)) {
    throw new BadRequest(`'dataframe_split' must have 'data' and optionally 'columns' and 'index', got ${JSON.stringify(Object.keys(split))}`);
  }
  const columns = split.columns ?? (input.kind === 'image' ? [input.column] : input.columns);
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) throw new BadRequest(`dataframe_split.columns must be a list of column names, got ${describe(split.columns)}`);
  if (!Array.isArray(split.data)) throw new BadRequest(`dataframe_split.data must be a list of rows, got ${describe(split.data)}`);
  return split.data.map((row, i) => {
    if (!Array.isArray(row)) throw new BadRequest(`dataframe_split.data row ${i}: must be a list of ${columns.length} values, got ${describe(row)}`);
    if (row.length !== columns.length) throw new BadRequest(`dataframe_split.data row ${i}: has ${row.length} values for ${columns.length} columns (${columns.join(', ')})`);
    return { record: Object.fromEntries(columns.map((c, j) => [c, row[j]])) };
  });
}

/** TF Serving's columnar form: `{column: [value per row]}`, every column as long as the others. */
function columnarRows(cols: Record<string, unknown>): RawRow[] {
  const names = Object.keys(cols);
  if (!names.length) throw new BadRequest(`'inputs' is an empty object: give {column: [values]} or a list of inputs`);
  let n: number | undefined;
  for (const c of names) {
    const vals = cols[c];
    if (!Array.isArray(vals)) throw new BadRequest(`inputs.${c} must be a list (one value per row), got ${describe(vals)}`);
    if (n !== undefined && vals.length !== n) throw new BadRequest(`inputs columns differ in length: '${names[0]}' has ${n} values, '${c}' has ${vals.length}`);
    n = vals.length;
  }
  return Array.from({ length: n ?? 0 }, (_, i) => ({ record: Object.fromEntries(names.map((c) => [c, (cols[c] as unknown[])[i]])) }));
}

function toItem(row: RawRow, i: number, input: ServedInput): ScoreItem {
  const where = `row ${i}`;
  if (input.kind === 'image') {
    let value: unknown;
    if ('bare' in row) value = row.bare;
    else {
      const unknown = Object.keys(row.record).filter((k) => k !== input.column);
      if (unknown.length) throw new BadRequest(`${where}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}: this model takes one column, '${input.column}' (a base64 image)`);
      if (!(input.column in row.record)) throw new BadRequest(`${where}: no '${input.column}' column: give the image as {"${input.column}": "<base64 PNG>"}`);
      value = row.record[input.column];
    }
    return imageItem(value, where, input.shape);
  }
  let record: Record<string, unknown>;
  if ('bare' in row) {
    if (!Array.isArray(row.bare)) throw new BadRequest(`${where}: a table row must be a record {column: value} or a list of ${input.columns.length} values (${input.columns.join(', ')}), got ${describe(row.bare)}`);
    if (row.bare.length !== input.columns.length) throw new BadRequest(`${where}: has ${row.bare.length} values for the model's ${input.columns.length} columns (${input.columns.join(', ')})`);
    record = Object.fromEntries(input.columns.map((c, j) => [c, (row.bare as unknown[])[j]]));
  } else {
    const unknown = Object.keys(row.record).filter((k) => !input.columns.includes(k) && !input.ignored?.includes(k));
    if (unknown.length) throw new BadRequest(`${where}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; the model's columns are ${input.columns.join(', ')}`);
    record = row.record;
  }
  const values: Record<string, unknown> = {};
  for (const [c, v] of Object.entries(record)) {
    if (v !== null && typeof v === 'object') throw new BadRequest(`${where}: column '${c}' must be a number, a string or null, got ${describe(v)}`);
    if (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v)) throw new BadRequest(`${where}: column '${c}' is ${v}, not a finite number`);
    // NaN is how pandas (and so MLflow's client) writes a missing value: the model's missing-value rule applies.
    values[c] = typeof v === 'number' && Number.isNaN(v) ? null : v;
  }
  return { kind: 'row', values, where };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** An image cell: base64 text (optionally a `data:` URL or TF Serving's `{"b64": …}`), or the preprocessed array. */
function imageItem(value: unknown, where: string, shape: readonly [number, number, number]): ScoreItem {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'b64' in value) value = (value as { b64: unknown }).b64;
  if (typeof value === 'string') return { kind: 'image', bytes: decodeBase64(value, where), where };
  if (Array.isArray(value)) {
    // The shape along first elements first (iterative, however deep the nesting), then the values.
    const got = leadingShape(value);
    if (got.length !== shape.length || got.some((d, k) => d !== shape[k])) {
      const shown = got.length > 8 ? `${got.slice(0, 8).join(', ')}, … (${got.length} dimensions)` : got.join(', ');
      throw new BadRequest(`${where}: an image array must have shape [${shape.join(', ')}] (height, width, channels, preprocessed as in training), got [${shown}]; or send the image file as base64`);
    }
    return { kind: 'tensor', shape: got, values: denseValues(value, got, where), where };
  }
  throw new BadRequest(`${where}: an image must be base64 text (of a PNG, JPEG, …) or an array of shape [${shape.join(', ')}], got ${describe(value)}`);
}

function decodeBase64(text: string, where: string): Buffer {
  let s = text;
  const dataUrl = /^data:[\w/+.-]*(;[\w=-]+)*;base64,/.exec(s);
  if (dataUrl) s = s.slice(dataUrl[0].length);
  s = s.replace(/\s+/g, '');
  if (!s.length) throw new BadRequest(`${where}: the image is an empty string: give the image file's bytes as base64`);
  const ok = (BASE64.test(s) && s.length % 4 === 0) || BASE64URL.test(s);
  if (!ok) {
    const bad = s.search(/[^A-Za-z0-9+/=_-]/);
    throw new BadRequest(`${where}: the image is not valid base64${bad >= 0 ? ` (character ${JSON.stringify(s[bad])} at ${bad})` : ' (its length is not a multiple of 4, or padding is misplaced)'}: encode the file's bytes, e.g. \`base64 -w0 digit.png\``);
  }
  return Buffer.from(s, BASE64URL.test(s) && /[-_]/.test(s) ? 'base64url' : 'base64');
}

/** The lengths along the first elements of a nested array (its shape, if it is rectangular). */
function leadingShape(v: unknown[]): number[] {
  const shape: number[] = [];
  for (let cur: unknown = v; Array.isArray(cur); cur = cur[0]) shape.push(cur.length);
  return shape;
}

/** The values of a nested array of `shape`, row-major; a ragged array or a non-number is a BadRequest. */
function denseValues(v: unknown[], shape: number[], where: string): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let at = 0;
  const walk = (node: unknown, depth: number, path: number[]) => {
    if (depth === shape.length) {
      if (typeof node !== 'number' || !Number.isFinite(node)) throw new BadRequest(`${where}: the array holds ${describe(node)} at [${path.join(', ')}], not a finite number`);
      values[at++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new BadRequest(`${where}: the array is ragged: at [${path.join(', ')}] expected a list of ${shape[depth]}, got ${Array.isArray(node) ? `a list of ${node.length}` : describe(node)}`);
    }
    node.forEach((c, k) => walk(c, depth + 1, [...path, k]));
  };
  walk(v, 0, []);
  return values;
}

/** A short description of a JSON value for messages. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return `${typeof v} ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`;
}
