import { describe, expect, it } from 'vitest';
import { BadRequest, parseCsvRows, parseJsonRequest, type ScoreItem, type ServedInput } from './scoring-request.js';

const image: ServedInput = { kind: 'image', column: 'image', shape: [2, 3, 1] };
const table: ServedInput = { kind: 'table', columns: ['age', 'city'], ignored: ['income'] };
const limits = { maxRows: 4 };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const tensor = [
  [[0], [1], [2]],
  [[3], [4], [5]],
];

function bytesOf(items: ScoreItem[]): string[] {
  return items.map((i) => (i.kind === 'image' ? i.bytes.toString() : `?${i.kind}`));
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequest);
    return (e as Error).message;
  }
  throw new Error('expected a BadRequest');
}

describe('parseJsonRequest: image models', () => {
  it('reads images in every one of the four formats, base64 or {b64} or data: URLs', () => {
    const forms = [
      { inputs: [b64('A'), { b64: b64('B') }] },
      { instances: [b64('A'), `data:image/png;base64,${b64('B')}`] },
      { inputs: { image: [b64('A'), b64('B')] } },
      { instances: [{ image: b64('A') }, { image: b64('B') }] },
      { dataframe_records: [{ image: b64('A') }, { image: b64('B') }] },
      { dataframe_split: { columns: ['image'], data: [[b64('A')], [b64('B')]] } },
      { dataframe_split: { data: [[b64('A')], [b64('B')]] } },
    ];
    for (const body of forms) expect(bytesOf(parseJsonRequest(body, image, limits).items), JSON.stringify(body)).toEqual(['A', 'B']);
  });

  it('accepts the preprocessed array of the model input shape (the logged input example) as a tensor', () => {
    const { items } = parseJsonRequest({ inputs: [tensor] }, image, limits);
    expect(items[0]).toMatchObject({ kind: 'tensor', shape: [2, 3, 1] });
    expect(Array.from((items[0] as { values: Float32Array }).values)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reads params.top_k and refuses other params', () => {
    expect(parseJsonRequest({ inputs: [b64('A')], params: { top_k: 3 } }, image, limits).topK).toBe(3);
    expect(reason(() => parseJsonRequest({ inputs: [b64('A')], params: { temperature: 1 } }, image, limits))).toMatch(/unknown param 'temperature'/);
    expect(reason(() => parseJsonRequest({ inputs: [b64('A')], params: { top_k: -1 } }, image, limits))).toMatch(/top_k must be a whole number/);
  });

  it.each([
    ['a list body', [b64('A')], /JSON object with exactly one of dataframe_split.*got a list/],
    ['no format', { params: {} }, /exactly one of .* got none/],
    ['two formats', { inputs: [], instances: [] }, /got inputs and instances|got instances and inputs/],
    ['an unknown field', { inputs: [b64('A')], extra: 1 }, /unknown field 'extra'/],
    ['no rows', { inputs: [] }, /holds no rows/],
    ['too many rows', { inputs: Array(5).fill(b64('A')) }, /5 rows in one request, more than the server's limit of 4/],
    ['bad base64', { inputs: ['not*base64!'] }, /row 0: the image is not valid base64 \(character "\*" at 3\)/],
    ['an empty image', { inputs: [''] }, /row 0: the image is an empty string/],
    ['a number for an image', { inputs: [7] }, /row 0: an image must be base64 text .* got number 7/],
    ['a wrong shape', { inputs: [[[0, 1, 2]]] }, /row 0: an image array must have shape \[2, 3, 1\].*got \[1, 3\]/],
    ['a deeply nested array', { inputs: [JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)] }, /got \[1, 1, 1, 1, 1, 1, 1, 1, … \(100000 dimensions\)\]/],
    ['a ragged array', { inputs: [[[[0], [1], [2]], [[3], [4]]]] }, /row 0: the array is ragged: at \[1\] expected a list of 3, got a list of 2/],
    ['a non-number in the array', { inputs: [[[[0], [1], ['x']], [[3], [4], [5]]]] }, /holds the string "x" at \[0, 2, 0\]/],
    ['an unknown column', { dataframe_records: [{ image: b64('A'), label: 3 }] }, /row 0: unknown column 'label'.*takes one column, 'image'/],
    ['a missing column', { dataframe_records: [{}] }, /row 0: no 'image' column/],
    ['records not a list', { dataframe_records: { image: b64('A') } }, /'dataframe_records' must be a list of records/],
    ['split with a short row', { dataframe_split: { columns: ['image', 'x'], data: [[b64('A')]] } }, /row 0: has 1 values for 2 columns/],
    ['split with an extra key', { dataframe_split: { data: [], rows: 1 } }, /must have 'data' and optionally 'columns' and 'index'/],
    ['columnar inputs of different lengths', { inputs: { image: [b64('A')], other: [] } }, /columns differ in length/],
  ])('refuses %s with the reason', (_what, body, message) => {
    expect(reason(() => parseJsonRequest(body, image, limits))).toMatch(message);
  });
});

describe('parseJsonRequest and parseCsvRows: table models', () => {
  it('reads records, split frames, columnar inputs and positional rows alike', () => {
    const want = [
      { age: 31, city: 'Oslo' },
      { age: 40, city: null },
    ];
    const forms = [
      { dataframe_records: want },
      { dataframe_split: { columns: ['age', 'city'], data: [[31, 'Oslo'], [40, null]] } },
      { dataframe_split: { columns: ['city', 'age'], data: [['Oslo', 31], [null, 40]] } },
      { inputs: { age: [31, 40], city: ['Oslo', null] } },
      { instances: [[31, 'Oslo'], [40, null]] },
    ];
    for (const body of forms) {
      const rows = parseJsonRequest(body, table, limits).items.map((i) => (i.kind === 'row' ? i.values : undefined));
      expect(rows, JSON.stringify(body)).toEqual(want);
    }
  });

  it("lets the target's column through (rows of the training file), not read by the model", () => {
    const { items } = parseJsonRequest({ dataframe_records: [{ age: 1, city: 'x', income: 3 }] }, table, limits);
    expect(items[0]).toMatchObject({ kind: 'row', values: { age: 1, city: 'x', income: 3 } });
  });

  it('reads NaN as a missing value (pandas writes it so) and refuses infinities', () => {
    expect(parseJsonRequest({ dataframe_records: [{ age: Number.NaN, city: 'x' }] }, table, limits).items[0]).toMatchObject({ values: { age: null, city: 'x' } });
    expect(reason(() => parseJsonRequest({ instances: [[Number.POSITIVE_INFINITY, 'x']] }, table, limits))).toMatch(/row 0: column 'age' is Infinity, not a finite number/);
  });

  it('refuses unknown columns, wrong row lengths and nested values', () => {
    expect(reason(() => parseJsonRequest({ dataframe_records: [{ age: 1, town: 'x' }] }, table, limits))).toMatch(/row 0: unknown column 'town'; the model's columns are age, city/);
    expect(reason(() => parseJsonRequest({ instances: [[1]] }, table, limits))).toMatch(/row 0: has 1 values for the model's 2 columns/);
    expect(reason(() => parseJsonRequest({ instances: ['x'] }, table, limits))).toMatch(/a table row must be a record/);
    expect(reason(() => parseJsonRequest({ dataframe_records: [{ age: [1] }] }, table, limits))).toMatch(/column 'age' must be a number, a string or null/);
  });

  it('reads CSV records and limits their count', () => {
    expect(parseCsvRows([{ age: '3', city: 'Rome' }], table, limits).items).toEqual([{ kind: 'row', values: { age: '3', city: 'Rome' }, where: 'row 0' }]);
    expect(reason(() => parseCsvRows([{ age: '3', zip: '1' }], table, limits))).toMatch(/unknown column 'zip'/);
    expect(reason(() => parseCsvRows([], table, limits))).toMatch(/no rows/);
    expect(reason(() => parseCsvRows(Array(5).fill({ age: '1' }), table, limits))).toMatch(/more than the server's limit of 4/);
  });
});
