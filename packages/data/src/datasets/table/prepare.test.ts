import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tableConfig, tempTables } from '../../../test/table-helpers.js';
import type { DataBundle, PrepareContext } from '../dataset-type.js';
import { classifyCell, type CellValue } from './cells.js';
import { DataFileError } from '../../errors.js';
import { encodeRows, fitPreprocessing, UNSEEN, type TablePreprocessing } from './preprocess.js';
import type { TableConfig } from './schema.js';
import { tableDataset } from './table-dataset.js';

const t = tempTables();
const ctx = (seed = 1): PrepareContext => ({ seed, augment: [], variants: [], baseDir: t.dir });
const prepare = (c: TableConfig, seed = 1) => tableDataset.prepare(c, ctx(seed));

/** Every batch of a split as plain arrays; disposes the tensors. */
function collect(data: DataBundle, split: string, batchSize = 4, epoch = 0) {
  const xs: number[][] = [];
  const ys: number[] = [];
  let width = 0;
  for (const b of data.batches(split, batchSize, epoch)) {
    width = b.xs.shape[1] as number;
    const flat = Array.from(b.xs.dataSync());
    for (let i = 0; i < b.xs.shape[0]; i++) xs.push(flat.slice(i * width, (i + 1) * width));
    ys.push(...Array.from(b.ys.dataSync()));
    expect(b.xs.dtype).toBe('float32');
    tf.dispose([b.xs, b.ys]);
  }
  return { xs, ys, width };
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

/** 50 rows: a skewed numeric column `n` (i²), a unique-per-row category `id`, a 3-way category `c`, targets. */
function wideTable(): string {
  const rows = Array.from({ length: 50 }, (_, i) => `${i * i},r${i},${['p', 'q', 's'][i % 3]},${i % 2 ? 'yes' : 'no'},${(i * 0.5).toFixed(1)}`);
  return ['n,id,c,label,value', ...rows].join('\n') + '\n';
}

describe('table prepare', () => {
  it('splits with the seed, encodes [B,F] float32 and int32 classes, and saves plain-JSON preprocessing', async () => {
    t.write('wide.csv', wideTable());
    const data = await prepare(tableConfig({ path: 'wide.csv', target: 'label', features: { n: 'numeric', c: 'categorical' } }));
    expect([data.count('train'), data.count('val'), data.count('test')]).toEqual([35, 5, 10]);
    expect(data.info.input).toEqual({ kind: 'vector', shape: [5], columns: ['n', 'c=p', 'c=q', 'c=s', `c=${UNSEEN}`] });
    expect(data.info.target).toEqual({ kind: 'class', classes: ['no', 'yes'], trainCounts: [expect.any(Number), expect.any(Number)] });
    const counts = (data.info.target as { trainCounts: number[] }).trainCounts;
    expect(counts[0] + counts[1]).toBe(35);
    expect(collect(data, 'train').ys.filter((y) => y === 1).length).toBe(counts[1]);
    expect(data.info.digest).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(data.info.splits)).toEqual(['train', 'val', 'test']);
    const b = [...data.batches('train', 8)];
    expect(b.map((x) => x.xs.shape)).toEqual([[8, 5], [8, 5], [8, 5], [8, 5], [3, 5]]);
    expect(b[0].ys.dtype).toBe('int32');
    b.forEach((x) => tf.dispose([x.xs, x.ys]));
    const pre = data.preprocessing();
    expect(JSON.parse(JSON.stringify(pre))).toEqual(pre);
    // Same seed, same split and order; another epoch, another order of the same rows; val is never shuffled.
    const again = await prepare(tableConfig({ path: 'wide.csv', target: 'label', features: { n: 'numeric', c: 'categorical' } }));
    expect(collect(again, 'train').xs).toEqual(collect(data, 'train').xs);
    expect(collect(data, 'train', 4, 1).xs).not.toEqual(collect(data, 'train', 4, 0).xs);
    expect(collect(data, 'train', 4, 1).xs.map(String).sort()).toEqual(collect(data, 'train', 4, 0).xs.map(String).sort());
    expect(collect(data, 'val', 4, 1).xs).toEqual(collect(data, 'val', 4, 0).xs);
    const other = await prepare(tableConfig({ path: 'wide.csv', target: 'label', features: { n: 'numeric', c: 'categorical' } }), 2);
    expect(other.info.digest).not.toBe(data.info.digest);
    expect(() => data.batches('variant', 4)[Symbol.iterator]().next()).toThrow(/no split 'variant'/);
  });

  it('fits statistics and vocabularies on training rows only', async () => {
    t.write('wide.csv', wideTable());
    const data = await prepare(tableConfig({ path: 'wide.csv', target: 'value', features: { n: 'numeric', id: 'categorical' } }));
    const pre = data.preprocessing() as unknown as TablePreprocessing;
    const train = collect(data, 'train');
    const held = [...collect(data, 'val').xs, ...collect(data, 'test').xs];
    // n is skewed (i²): standardised with training statistics, training rows have mean 0 and std 1 exactly,
    // which statistics over all 50 rows would not give.
    expect(mean(train.xs.map((r) => r[0]))).toBeCloseTo(0, 5);
    expect(std(train.xs.map((r) => r[0]))).toBeCloseTo(1, 5);
    expect(Math.abs(mean(held.map((r) => r[0])))).toBeGreaterThan(0.01);
    // The numeric target likewise.
    expect(mean(train.ys)).toBeCloseTo(0, 5);
    expect(data.info.target).toMatchObject({ kind: 'values', names: ['value'] });
    // `id` is unique per row: the vocabulary is exactly the training rows' ids, so every held-out row is unseen.
    const id = pre.columns[1];
    expect(id.kind === 'categorical' && id.vocabulary.length).toBe(35);
    expect(held.every((r) => r[r.length - 1] === 1)).toBe(true);
    expect(train.xs.every((r) => r[r.length - 1] === 0)).toBe(true);
    expect(train.width).toBe(1 + 35 + 1);
    const ys = [...data.batches('val', 100)];
    expect(ys[0].ys.shape).toEqual([5, 1]);
    expect(ys[0].ys.dtype).toBe('float32');
    ys.forEach((x) => tf.dispose([x.xs, x.ys]));
  });

  it('fitPreprocessing reads only the rows it is told are training rows', () => {
    const col = (xs: unknown[]): CellValue[] => xs.map((x) => classifyCell(x, new Set([''])));
    const cells: Record<number, CellValue[]> = { 0: col([1, 2, 3, 1e6, -1e6]), 1: col(['a', 'b', 'a', 'zzz', 'yyy']), 2: col(['x', 'y', 'x', 'w', 'z']) };
    const pre = fitPreprocessing({
      features: [
        { name: 'n', index: 0, kind: 'numeric' },
        { name: 'c', index: 1, kind: 'categorical' },
      ],
      target: { name: 'y', index: 2, kind: 'categorical' },
      cells: (i) => cells[i],
      train: [0, 1, 2],
      missing: 'mean',
      naValues: [''],
    });
    expect(pre.columns[0]).toEqual({ name: 'n', kind: 'numeric', mean: 2, std: Math.sqrt(2 / 3), fill: 2 });
    expect(pre.columns[1]).toEqual({ name: 'c', kind: 'categorical', vocabulary: ['a', 'b'], fill: 'a' });
    expect(pre.target).toEqual({ name: 'y', kind: 'categorical', classes: ['x', 'y'] });
  });

  it('encodeRows: standardises, one-hots, sends unseen values to the last slot and fills missing values', () => {
    const pre: TablePreprocessing = {
      type: 'table',
      version: 1,
      missing: 'mean',
      na_values: ['', 'NA'],
      columns: [
        { name: 'n', kind: 'numeric', mean: 10, std: 2, fill: 10 },
        { name: 'c', kind: 'categorical', vocabulary: ['a', 'b'], fill: 'b' },
      ],
      encoded: ['n', 'c=a', 'c=b', `c=${UNSEEN}`],
      target: { name: 'y', kind: 'categorical', classes: ['u', 'v'] },
    };
    expect(Array.from(encodeRows(pre, [{ n: 12, c: 'a' }, { n: '8', c: 'new' }, { n: null, c: 'NA' }, { c: 'b' }]))).toEqual([
      1, 1, 0, 0, -1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0,
    ]);
    expect(() => encodeRows({ ...pre, missing: 'error', columns: [{ name: 'n', kind: 'numeric', mean: 0, std: 1 }], encoded: ['n'] }, [{ n: 1 }, {}])).toThrow(
      /row 1: 'n' is missing/,
    );
  });

  it('missing policies: mean fills with training statistics, constant with fill_value, drop leaves rows out, error refuses', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${i % 5 === 0 ? '' : i},${i % 7 === 0 ? '' : ['a', 'b', 'b'][i % 3]},${i % 2 ? 'y' : 'n'}`);
    t.write('holes.csv', ['n,c,t', ...rows].join('\n') + '\n');
    const base = { path: 'holes.csv', target: 't', features: { n: 'numeric', c: 'categorical' } } as const;

    const meanPre = (await prepare(tableConfig({ ...base, missing: 'mean' }))).preprocessing() as unknown as TablePreprocessing;
    const [n, c] = meanPre.columns;
    expect(n.kind === 'numeric' && n.fill).toBe(n.kind === 'numeric' && n.mean);
    expect(c.kind === 'categorical' && c.fill).toBe('b');
    expect(Array.from(encodeRows(meanPre, [{ n: '', c: '' }]))).toEqual([0, 0, 1, 0]);

    const constPre = (await prepare(tableConfig({ ...base, missing: 'constant', fill_value: 0 }))).preprocessing() as unknown as TablePreprocessing;
    expect(constPre.columns.map((col) => col.fill)).toEqual([0, '0']);
    expect(constPre.encoded).toContain('c=0');

    const dropped = await prepare(tableConfig({ ...base, missing: 'drop' }));
    // Rows 0, 5, 10, 15 miss n; rows 0, 7, 14 miss c: 6 rows out of 20.
    expect(dropped.info.profile).toMatchObject({ rows_read: 20, rows_used: 14, rows_dropped: 6, missing: { n: 4, c: 3 } });
    expect(dropped.count('train') + dropped.count('val') + dropped.count('test')).toBe(14);

    const err = await prepare(tableConfig({ ...base })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as DataFileError).issues.slice(0, 2)).toEqual([
      { file: `${t.dir}/holes.csv`, line: 2, message: expect.stringMatching(/'n' is missing/) },
      { file: `${t.dir}/holes.csv`, line: 2, message: expect.stringMatching(/'c' is missing/) },
    ]);
    expect((err as Error).message).toMatch(/holes\.csv:2: 'n' is missing/);
  });

  it('a class seen only outside training is an error at its line', async () => {
    const lines = ['a,t', ...Array.from({ length: 9 }, (_, i) => `${i},${i % 2 ? 'x' : 'y'}`), '9,rare'];
    t.write('rare.csv', lines.join('\n') + '\n');
    let error: unknown;
    for (let seed = 0; seed < 50 && !error; seed++) error = await prepare(tableConfig({ path: 'rare.csv', target: 't' }), seed).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as DataFileError).issues).toEqual([
      { file: `${t.dir}/rare.csv`, line: 11, message: expect.stringMatching(/class 'rare' of the target 't' is in the (val|test) split but in no training row/) },
    ]);
  });

  it('refuses a file over max_rows, in inspect and prepare alike', async () => {
    t.write('big.jsonl', '{"a":1,"t":"x"}\n{"a":2,"t":"y"}\n'.repeat(6));
    const c = tableConfig({ path: 'big.jsonl', target: 't', max_rows: 10 });
    expect(await tableDataset.inspect!(c, { baseDir: t.dir })).toEqual([{ file: `${t.dir}/big.jsonl`, message: expect.stringMatching(/more than 10 data rows \(data\.max_rows\)/) }]);
    await expect(prepare(c)).rejects.toThrow(/big\.jsonl: has more than 10 data rows \(data\.max_rows\); it was not loaded\. Raise data\.max_rows/);
  });

  it('reads a JSON array with nulls and infers kinds (numbers → numeric, else categorical)', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ len: i % 6 === 0 ? null : 30 + i, isl: ['A', 'B'][i % 2], k: i % 3 ? 'm' : 'f' }));
    t.write('p.json', JSON.stringify(rows, null, 2));
    const data = await prepare(tableConfig({ path: 'p.json', target: 'k', missing: 'mean' }));
    expect(data.info.profile.features).toEqual({ len: 'numeric', isl: 'categorical' });
    expect(data.info.input.shape).toEqual([1 + 2 + 1]);
    expect(data.info.target).toMatchObject({ kind: 'class', classes: ['f', 'm'] });
  });
});
