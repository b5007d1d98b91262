// The `table` dataset type: rows of a CSV/TSV/JSON/JSONL file, one column the target. Rows are split with the
// experiment's seed; every statistic and vocabulary is fitted on the training split only; the encoded rows are
// small, so they stay in JS arrays and each batch becomes a tensor only when it is iterated.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, type CheckIssue } from '@xp/core';
import type { Batch, DataBundle, DataIssue, DatasetInfo, DatasetType, PrepareContext, SplitInfo, TargetSpec } from '../dataset-type.js';
import { createRng, permutation } from '../../rng.js';
import { analyseTable, splitSizes, type TableAnalysis } from './analyse.js';
import { categoryOf } from './cells.js';
import { DataError, DataFileError } from '../../errors.js';
import { EncodeError, encodeInto, encodeTarget, fitPreprocessing, type TablePreprocessing } from './preprocess.js';
import { formatFromPath, KNOWN_EXTENSIONS } from './read-table.js';
import { TableDataSchema, type TableConfig } from './schema.js';

/** sha256 of a file, streamed. */
async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const digest32 = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);

/** Config-only rules: fractions that leave training rows, a readable format, the fill a `constant` policy needs. */
function checks(config: TableConfig, experiment: { augment: readonly unknown[] }): CheckIssue[] {
  const issues: CheckIssue[] = [];
  if (config.val_fraction + config.test_fraction >= 1) {
    issues.push({
      pointer: '/data/val_fraction',
      message: `val_fraction ${config.val_fraction} + test_fraction ${config.test_fraction} leaves no training rows; keep their sum below 1.`,
    });
  }
  if (config.format === 'auto' && formatFromPath(config.path) === undefined) {
    issues.push({ pointer: '/data/format', message: `cannot tell the format of '${config.path}' from its extension (${KNOWN_EXTENSIONS.join(', ')}); set data.format.` });
  }
  if (config.missing === 'constant' && config.fill_value === undefined) {
    issues.push({ pointer: '/data/fill_value', message: 'missing: constant needs fill_value, the value that fills missing cells.' });
  }
  if (config.missing !== 'constant' && config.fill_value !== undefined) {
    issues.push({ pointer: '/data/fill_value', message: `fill_value is used only with missing: constant (missing is '${config.missing}'); remove it or set missing: constant.` });
  }
  if (config.features && Object.hasOwn(config.features, config.target)) {
    issues.push({ pointer: `/data/features/${config.target.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: `'${config.target}' is the target; it cannot also be a feature.` });
  }
  if (experiment.augment.length > 0) {
    issues.push({ pointer: '/augment', message: 'augmentations transform images; table data takes none. Remove the augment list.' });
  }
  return issues;
}

/** Every problem of the file as configured, each with the file and its line; [] when it is fit to train on. */
async function inspect(config: TableConfig, ctx: { baseDir: string }): Promise<DataIssue[]> {
  try {
    return (await analyseTable(config, ctx.baseDir)).issues;
  } catch (e) {
    if (e instanceof DataFileError) return [...e.issues];
    throw e;
  }
}

/** The rows of each split: a seeded permutation of the kept rows, test first, then val, the rest train. */
function splitRows(a: TableAnalysis, config: TableConfig, seed: number): Record<'train' | 'val' | 'test', number[]> {
  const perm = permutation(a.kept.length, createRng(seed, 'table-split'));
  const order = Array.from(perm, (i) => a.kept[i]);
  const sizes = splitSizes(order.length, config);
  return { test: order.slice(0, sizes.test), val: order.slice(sizes.test, sizes.test + sizes.val), train: order.slice(sizes.test + sizes.val) };
}

interface EncodedSplit {
  rows: number[];
  xs: Float32Array;
  ys: Int32Array | Float32Array;
}

/** Encodes the rows of one split; a class unseen in training is an error naming its line. */
function encodeSplit(a: TableAnalysis, pre: TablePreprocessing, split: string, rows: number[]): EncodedSplit {
  const at = new Map(a.table.header.map((h, i) => [h, i]));
  const width = pre.encoded.length;
  let xs: Float32Array;
  try {
    xs = encodeInto(pre, rows.length, (r, column) => a.table.rows[rows[r]][at.get(column) as number], new Float32Array(rows.length * width));
  } catch (e) {
    if (e instanceof EncodeError) throw new DataFileError([{ file: a.file, line: a.table.lines[rows[e.row]], message: e.message.replace(/^row \d+: /, '') }]);
    throw e;
  }
  const target = pre.target;
  const classIndex = target.kind === 'categorical' ? new Map(target.classes.map((c, i) => [c, i])) : undefined;
  const ys = target.kind === 'categorical' ? new Int32Array(rows.length) : new Float32Array(rows.length);
  const cells = a.cells(a.target.index);
  rows.forEach((row, i) => {
    const y = encodeTarget(target, cells[row], classIndex);
    if (y === undefined) {
      throw new DataFileError([
        {
          file: a.file,
          line: a.table.lines[row],
          message:
            `class '${categoryOf(cells[row])}' of the target '${target.name}' is in the ${split} split but in no training row, so the model cannot learn it; ` +
            'add rows of that class, remove these rows, or change the seed or fractions.',
        },
      ]);
    }
    ys[i] = y;
  });
  return { rows, xs, ys };
}

/** Counts of each class among `ys` (class targets), for the profile. */
function classCounts(classes: string[], ys: Int32Array): Record<string, number> {
  const counts = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const y of ys) counts[classes[y]]++;
  return counts;
}

async function prepare(config: TableConfig, ctx: PrepareContext): Promise<DataBundle> {
  const { issues, analysis } = await analyseTable(config, ctx.baseDir);
  if (issues.length > 0 || !analysis) throw new DataFileError(issues);
  const a = analysis;
  if (ctx.variants.length > 0) ctx.log?.('table data has no perturbed test variants; evaluation.variants is ignored.');
  const rows = splitRows(a, config, ctx.seed);
  const pre = fitPreprocessing({
    features: a.features,
    target: a.target,
    cells: a.cells,
    train: rows.train,
    missing: config.missing,
    fillValue: config.fill_value,
    naValues: config.na_values,
  });
  const splits = new Map<string, EncodedSplit>();
  for (const name of ['train', 'val', 'test'] as const) {
    if (name === 'train' || rows[name].length > 0) splits.set(name, encodeSplit(a, pre, name, rows[name]));
  }
  if (a.dropped > 0) ctx.log?.(`${a.dropped} of ${a.table.rows.length} rows left out for missing values (missing: drop).`);

  const width = pre.encoded.length;
  const fileHash = await fileDigest(a.file);
  const digest = digest32(fileHash, canonicalJson(config), String(ctx.seed));
  const target: TargetSpec =
    pre.target.kind === 'categorical'
      ? { kind: 'class', classes: pre.target.classes, trainCounts: Object.values(classCounts(pre.target.classes, splits.get('train')?.ys as Int32Array)) }
      : { kind: 'values', names: [pre.target.name], mean: [pre.target.mean], std: [pre.target.std] };
  const splitInfo: Record<string, SplitInfo> = {};
  for (const [name, s] of splits) {
    splitInfo[name] = {
      count: s.rows.length,
      digest: digest32(digest, name, s.rows.join(',')),
      ...(pre.target.kind === 'categorical' ? { profile: { classes: classCounts(pre.target.classes, s.ys as Int32Array) } } : {}),
    };
  }
  const relative = path.relative(process.cwd(), a.file);
  const info: DatasetInfo = {
    name: 'table',
    digest,
    source: relative.startsWith('..') || path.isAbsolute(relative) ? a.file : relative,
    profile: {
      format: a.table.format,
      file_sha256: fileHash,
      rows_read: a.table.rows.length,
      rows_used: a.kept.length,
      rows_dropped: a.dropped,
      missing: a.missing,
      features: Object.fromEntries(a.features.map((f) => [f.name, f.kind])),
      encoded_width: width,
      target: a.target.name,
      target_kind: a.target.kind,
    },
    input: { kind: 'vector', shape: [width], columns: pre.encoded },
    target,
    splits: splitInfo,
    variants: [],
    skipped: 0,
  };

  let disposed = false;
  const splitOf = (name: string): EncodedSplit => {
    if (disposed) throw new DataError('XP_DATA_UNKNOWN_SPLIT', 'this table dataset was disposed.');
    const s = splits.get(name);
    if (!s) throw new DataError('XP_DATA_UNKNOWN_SPLIT', `no split '${name}' in this table dataset; it has ${[...splits.keys()].join(', ')}.`);
    return s;
  };
  return {
    info,
    count: (name) => splits.get(name)?.rows.length ?? 0,
    preprocessing: () => structuredClone(pre) as unknown as Record<string, unknown>,
    *batches(name: string, batchSize: number, epoch = 0): Iterable<Batch> {
      const s = splitOf(name);
      const n = s.rows.length;
      // Only training rows are shuffled, seeded per epoch so a resumed run sees the same order.
      const order = name === 'train' ? permutation(n, createRng(ctx.seed, `table-shuffle:${epoch}`)) : null;
      for (let start = 0; start < n; start += batchSize) {
        const b = Math.min(batchSize, n - start);
        const xs = new Float32Array(b * width);
        const ys = s.ys instanceof Int32Array ? new Int32Array(b) : new Float32Array(b);
        for (let i = 0; i < b; i++) {
          const r = order ? order[start + i] : start + i;
          xs.set(s.xs.subarray(r * width, (r + 1) * width), i * width);
          ys[i] = s.ys[r];
        }
        yield {
          xs: tf.tensor2d(xs, [b, width], 'float32'),
          ys: ys instanceof Int32Array ? tf.tensor1d(ys, 'int32') : tf.tensor2d(ys, [b, 1], 'float32'),
        };
      }
    },
    dispose: () => {
      disposed = true;
      splits.clear();
    },
  };
}

/** The `table` dataset type: the registry entry. */
export const tableDataset: DatasetType<TableConfig> = {
  schema: TableDataSchema,
  checks,
  // The encoded width depends on the categorical vocabularies, which only the file can tell.
  inputShape: () => undefined,
  inspect,
  prepare,
};
