import { describe, expect, it } from 'vitest';
import { readRows, rowFormatOf, sniffRowFormat } from './read-rows.js';

describe('readRows', () => {
  it('reads CSV with a header, keeping cells as text and each row’s line (quoted newlines included)', () => {
    const text = 'a,b\n1,x\n\n"2\nmore",y\n3,\n';
    const { rows, lines } = readRows(text, 'csv', 'in.csv');
    expect(rows).toEqual([{ a: '1', b: 'x' }, { a: '2\nmore', b: 'y' }, { a: '3', b: '' }]);
    expect(lines).toEqual([2, 5, 6]);
  });

  it('reads TSV and JSON Lines (skipping blank lines) and JSON arrays', () => {
    expect(readRows('a\tb\n1\t2\n', 'tsv', 'x').rows).toEqual([{ a: '1', b: '2' }]);
    const j = readRows('{"a": 1, "b": null}\n\n{"a": 2.5, "b": "q"}\n', 'jsonl', 'x');
    expect(j.rows).toEqual([{ a: 1, b: null }, { a: 2.5, b: 'q' }]);
    expect(j.lines).toEqual([1, 3]);
    expect(readRows('[{"a": 1}, {"a": 2}]', 'json', 'x').rows).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names the file and line of a row it cannot read', () => {
    expect(() => readRows('{"a": 1}\n{"a": \n', 'jsonl', 'rows.jsonl')).toThrow(/^rows\.jsonl:2: not valid JSON/);
    expect(() => readRows('{"a": 1}\n[1, 2]\n', 'jsonl', 'rows.jsonl')).toThrow(/^rows\.jsonl:2: not a JSON object/);
    expect(() => readRows('a,b\n1,2\n3,4,5\n', 'csv', 'rows.csv')).toThrow(/^rows\.csv:3: /);
    expect(() => readRows('{"a": 1}', 'json', 'rows.json')).toThrow(/must hold an array of objects/);
  });

  it('tells formats by extension, and guesses stdin’s', () => {
    expect(['x.CSV', 'x.tsv', 'x.jsonl', 'x.ndjson', 'x.json', 'x.png'].map(rowFormatOf)).toEqual(['csv', 'tsv', 'jsonl', 'jsonl', 'json', undefined]);
    expect(['  {"a":1}', '[{"a":1}]', 'a,b\n1,2', 'a\tb\n1\t2'].map(sniffRowFormat)).toEqual(['jsonl', 'json', 'csv', 'tsv']);
  });
});
