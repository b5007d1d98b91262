// Each bad input is reported at the data file and its line, as an editor numbers lines.
import { describe, expect, it } from 'vitest';
import { tableConfig, tempTables } from '../../../test/table-helpers.js';
import type { TableConfig } from './schema.js';
import { tableDataset } from './table-dataset.js';

const t = tempTables();
const inspect = (config: TableConfig) => tableDataset.inspect!(config, { baseDir: t.dir });
const PENGUINS = 'species,island,bill,mass\nAdelie,Biscoe,39.1,3750\nGentoo,Dream,46.5,5000\nAdelie,Torgersen,38.2,3600\nGentoo,Biscoe,47.0,5200\n';

describe('table inspect', () => {
  it('finds nothing wrong in a good file', async () => {
    t.write('good.csv', PENGUINS);
    expect(await inspect(tableConfig({ path: 'good.csv', target: 'species' }))).toEqual([]);
  });

  it.each<{ name: string; file: string; text: string; config?: Partial<TableConfig>; line: number | undefined; message: RegExp }>([
    { name: 'a ragged CSV row', file: 'ragged.csv', text: 'a,b,y\n1,2,x\n3,4\n5,6,z\n7,8,x\n', line: 3, message: /row has 2 fields but the header \(line 1\) has 3/ },
    {
      name: 'a non-numeric value in a declared numeric column',
      file: 'text.csv',
      text: 'a,b,y\n1,2,x\n3,four,y\n5,6,z\n',
      config: { features: { a: 'numeric', b: 'numeric' } },
      line: 3,
      message: /numeric column 'b' holds "four", which is not a number/,
    },
    { name: 'an unknown target with a did-you-mean', file: 'target.csv', text: PENGUINS, config: { target: 'specie' }, line: 1, message: /data\.target: 'specie' is not a column of this file; did you mean 'species'\?/ },
    {
      name: 'an unknown feature with a did-you-mean',
      file: 'feature.csv',
      text: PENGUINS,
      config: { target: 'species', features: { islnd: 'categorical', bill: 'numeric' } },
      line: 1,
      message: /column 'islnd' is not a column of this file; did you mean 'island'\?/,
    },
    { name: 'a missing target value', file: 'no-target.csv', text: 'a,y\n1,x\n2,\n3,y\n', line: 3, message: /the target 'y' is missing; set data\.missing: drop/ },
    { name: 'NaN in a numeric column', file: 'nan.csv', text: 'a,y\n1,x\nNaN,y\n3,z\n', config: { features: { a: 'numeric' } }, line: 3, message: /'a' holds "NaN", which is not a finite number/ },
    { name: 'Infinity in an inferred numeric column', file: 'inf.csv', text: 'a,y\n1,x\n2,y\n-inf,z\n', line: 4, message: /'a' holds "-inf", which is not a finite number/ },
    { name: 'a missing value with missing: error', file: 'missing.csv', text: 'a,b,y\n1,2,x\n3,,y\n5,6,z\n', line: 3, message: /'b' is missing \(data\.missing: error\)/ },
    { name: 'a missing value in JSON Lines (null)', file: 'missing.jsonl', text: '{"a":1,"y":"x"}\n{"a":2,"y":"y"}\n{"a":null,"y":"x"}\n', line: 3, message: /'a' is missing/ },
    {
      name: 'a non-numeric numeric target in a JSON array',
      file: 'target.json',
      text: '[\n{"a":1,"y":1.5},\n{"a":2,"y":2.5},\n{"a":3,"y":"lots"}\n]\n',
      config: { target_kind: 'numeric' },
      line: 4,
      message: /numeric target column 'y' holds "lots"/,
    },
    { name: 'a JSON syntax error', file: 'syntax.json', text: '[\n{"a":1,"y":"x"},\n{"a":2 "y":"y"}\n]\n', line: 3, message: /not valid JSON/ },
    { name: 'a single class', file: 'one-class.csv', text: 'a,y\n1,x\n2,x\n3,x\n', line: undefined, message: /has only one class \('x'\) in the rows used; classification needs at least 2/ },
    { name: 'a column named twice in the header', file: 'dup.csv', text: 'a,b,a,y\n1,2,3,x\n', line: 1, message: /the header names column 'a' twice \(columns 1 and 3\)/ },
    { name: 'an unreadable extension', file: 'table.txt', text: 'a,y\n1,x\n', line: undefined, message: /extension xp cannot read/ },
  ])('reports $name at the file and line', async ({ file, text, config, line, message }) => {
    const abs = t.write(file, text);
    const issues = await inspect(tableConfig({ path: file, target: 'y', ...config }));
    expect(issues).toEqual([{ file: abs, line, message: expect.stringMatching(message) }]);
  });

  it('lists a file without a close column name with the header', async () => {
    t.write('list.csv', PENGUINS);
    const [issue] = await inspect(tableConfig({ path: 'list.csv', target: 'zzz' }));
    expect(issue.message).toMatch(/the file's columns are: 'species', 'island', 'bill', 'mass'/);
  });

  it('a missing file is one issue naming it', async () => {
    const [issue] = await inspect(tableConfig({ path: 'nowhere.csv', target: 'y' }));
    expect(issue).toEqual({ file: `${t.dir}/nowhere.csv`, message: expect.stringMatching(/cannot be read \(ENOENT\)/) });
  });

  it('lists the first 5 problems of a kind and counts the rest', async () => {
    t.write('many.csv', 'a,y\n' + Array.from({ length: 12 }, (_, i) => `${i % 2 ? 'bad' : i},${i % 3}`).join('\n') + '\n');
    const issues = await inspect(tableConfig({ path: 'many.csv', target: 'y', features: { a: 'numeric' } }));
    expect(issues.map((i) => i.line)).toEqual([3, 5, 7, 9, 11, undefined]);
    expect(issues[5].message).toBe("…and 1 more rows with non-numeric 'a'.");
  });

  it('missing: drop leaves rows with missing values (and targets) out instead of reporting them', async () => {
    t.write('drop.csv', 'a,y\n1,x\n,y\n3,\n4,y\n5,x\n');
    expect(await inspect(tableConfig({ path: 'drop.csv', target: 'y', missing: 'drop', val_fraction: 0, test_fraction: 0.2 }))).toEqual([]);
  });

  it('config checks: fractions, format, fill_value, target among features, augmentations', () => {
    const c = tableConfig({ path: 'x.dat', target: 'y', val_fraction: 0.5, test_fraction: 0.5, missing: 'constant', features: { y: 'numeric' } });
    expect(tableDataset.checks!(c, { augment: [{ type: 'invert', p: 1 }] as never }).map((i) => i.pointer)).toEqual([
      '/data/val_fraction',
      '/data/format',
      '/data/fill_value',
      '/data/features/y',
      '/augment',
    ]);
    expect(tableDataset.checks!(tableConfig({ path: 'x.csv', target: 'y' }), { augment: [] })).toEqual([]);
  });
});
