import { describe, expect, it } from 'vitest';
import { tempTables } from '../../../test/table-helpers.js';
import { DataFileError } from '../../errors.js';
import { formatFromPath, readTable } from './read-table.js';

const t = tempTables();

describe('readTable', () => {
  it('reads CSV with a header, quoted fields spanning lines and blank lines; each row keeps the line it starts on', async () => {
    const file = t.write('a.csv', '\uFEFFx,y,label\n1,2,a\n\n"3",4,"b, c"\n5,6,"multi\nline"\n7,8,d\n');
    const table = await readTable(file, 'csv', 100);
    expect(table.header).toEqual(['x', 'y', 'label']);
    expect(table.headerLine).toBe(1);
    expect(table.rows).toEqual([
      ['1', '2', 'a'],
      ['3', '4', 'b, c'],
      ['5', '6', 'multi\nline'],
      ['7', '8', 'd'],
    ]);
    expect(table.lines).toEqual([2, 4, 5, 7]);
    expect(table.issues).toEqual([]);
  });

  it('reads TSV', async () => {
    const table = await readTable(t.write('a.tsv', 'x\ty\n1\thello world\n'), 'tsv', 100);
    expect(table.header).toEqual(['x', 'y']);
    expect(table.rows).toEqual([['1', 'hello world']]);
  });

  it('reports ragged CSV rows by line and keeps the others', async () => {
    const file = t.write('ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    const table = await readTable(file, 'csv', 100);
    expect(table.lines).toEqual([2, 5]);
    expect(table.issues).toEqual([
      { file, line: 3, message: expect.stringMatching(/row has 2 fields but the header \(line 1\) has 3/) },
      { file, line: 4, message: expect.stringMatching(/row has 4 fields/) },
    ]);
  });

  it('reads a JSON array of objects, each row at the line its object starts; keys may appear late', async () => {
    const file = t.write('a.json', '[\n  {"x": 1, "s": "a"},\n  {\n    "x": 2.5,\n    "s": null,\n    "late": true\n  }\n]\n');
    const table = await readTable(file, 'json', 100);
    expect(table.header).toEqual(['x', 's', 'late']);
    expect(table.rows).toEqual([
      [1, 'a', null],
      [2.5, null, true],
    ]);
    expect(table.lines).toEqual([2, 3]);
  });

  it('reports a JSON syntax error at its line, and a root that is not an array', async () => {
    const bad = t.write('bad.json', '[\n  {"x": 1},\n  {"x": 2,}\n]\n');
    expect((await readTable(bad, 'json', 100)).issues).toEqual([{ file: bad, line: 3, message: expect.stringMatching(/not valid JSON/) }]);
    const obj = t.write('obj.json', '{"x": [1, 2]}');
    expect((await readTable(obj, 'json', 100)).issues).toEqual([{ file: obj, line: 1, message: expect.stringMatching(/must hold a JSON array/) }]);
  });

  it('reads JSON Lines, skipping blank lines; a bad line or a nested value is an issue at its line', async () => {
    const file = t.write('a.jsonl', '{"x": 1, "y": "a"}\n\n{"x": 2, "y": "b"}\n{"x": 3,\n[1,2]\n{"x": {"deep": 1}}\n');
    const table = await readTable(file, 'jsonl', 100);
    expect(table.rows).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(table.lines).toEqual([1, 3]);
    expect(table.issues.map((i) => [i.line, i.message.slice(0, 22)])).toEqual([
      [4, 'is not valid JSON: Exp'],
      [5, 'expected an object of '],
      [6, "column 'x' holds a nes"],
    ]);
  });

  it('refuses a file over max_rows while streaming, naming the limit and the option', async () => {
    const csv = t.write('big.csv', 'a\n' + '1\n'.repeat(11));
    await expect(readTable(csv, 'csv', 10)).rejects.toThrow(DataFileError);
    await expect(readTable(csv, 'csv', 10)).rejects.toThrow(/more than 10 data rows \(data\.max_rows\); it was not loaded/);
    await expect(readTable(csv, 'csv', 11)).resolves.toMatchObject({ rows: expect.any(Array) });
    const jsonl = t.write('big.jsonl', '{"a":1}\n'.repeat(11));
    await expect(readTable(jsonl, 'jsonl', 10)).rejects.toThrow(/data\.max_rows/);
    const json = t.write('big.json', JSON.stringify(Array.from({ length: 11 }, () => ({ a: 1 }))));
    await expect(readTable(json, 'json', 10)).rejects.toThrow(/data\.max_rows/);
  });

  it('a missing file is a DataFileError naming it', async () => {
    const file = `${t.dir}/nope.csv`;
    await expect(readTable(file, 'csv', 10)).rejects.toMatchObject({ code: 'XP_CONFIG_DATA_FILE', issues: [{ file, message: expect.stringMatching(/cannot be read \(ENOENT\)/) }] });
  });

  it('takes the format from the extension', () => {
    expect(['a.csv', 'b.TSV', 'c.tab', 'd.json', 'e.jsonl', 'f.ndjson', 'g.txt', 'noext'].map(formatFromPath)).toEqual([
      'csv',
      'tsv',
      'tsv',
      'json',
      'jsonl',
      'jsonl',
      undefined,
      undefined,
    ]);
  });
});
