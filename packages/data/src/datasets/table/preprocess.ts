// The fitted preprocessing of a table: statistics and vocabularies from the training rows only, kept as plain
// JSON with the model, and the pure encoder that turns rows into the model's input with it.
import { categoryOf, classifyCell, type CellValue } from './cells.js';
import type { ColumnPlan } from './analyse.js';
import type { MissingPolicy } from './schema.js';

/** A standardised numeric column: (x − mean) / std; `fill` replaces a missing value when the policy fills. */
export interface NumericEncoding {
  name: string;
  kind: 'numeric';
  mean: number;
  std: number;
  fill?: number;
}

/** A one-hot column over the training vocabulary, plus one last slot for values training never saw. */
export interface CategoricalEncoding {
  name: string;
  kind: 'categorical';
  vocabulary: string[];
  fill?: string;
}

export type ColumnEncoding = NumericEncoding | CategoricalEncoding;

/** How the target was encoded: standardised values, or class ids into sorted class names. */
export type TargetEncoding = { name: string; kind: 'numeric'; mean: number; std: number } | { name: string; kind: 'categorical'; classes: string[] };

/** Everything needed to encode new rows the way the model was trained: saved with the model as JSON. */
export interface TablePreprocessing {
  type: 'table';
  version: 1;
  missing: MissingPolicy;
  na_values: string[];
  columns: ColumnEncoding[];
  /** Names of the encoded inputs, in order: `col` for numeric, `col=value` and `col=<unseen>` for categorical. */
  encoded: string[];
  target: TargetEncoding;
}

/** Name of the slot a categorical value unseen in training goes to. */
export const UNSEEN = '<unseen>';

/** Mean and population std of `xs`; a constant (or empty) column gets std 1 so encoding never divides by 0. */
function moments(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 1 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  const std = Math.sqrt(variance);
  return { mean, std: std > 1e-12 ? std : 1 };
}

/** The most frequent value (the first in sorted order on a tie). */
function mode(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0]?.[0];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** What fitting reads: the used columns' classified cells, and the training rows. */
export interface FitInput {
  features: readonly ColumnPlan[];
  target: ColumnPlan;
  /** Classified cells of a column (by header index), one per row of the file. */
  cells: (index: number) => readonly CellValue[];
  /** Training row indices: the only rows any statistic is computed from. */
  train: readonly number[];
  missing: MissingPolicy;
  fillValue?: number | string;
  naValues: readonly string[];
}

/** Fits every column's encoding and the target's on the training rows only. */
export function fitPreprocessing(f: FitInput): TablePreprocessing {
  const columns: ColumnEncoding[] = f.features.map((col) => {
    const present = f.train.map((r) => f.cells(col.index)[r]).filter((v) => v.kind !== 'missing');
    if (col.kind === 'numeric') {
      const { mean, std } = moments(present.map((v) => (v.kind === 'number' ? v.value : NaN)));
      const fill = f.missing === 'mean' ? mean : f.missing === 'constant' ? Number(f.fillValue) : undefined;
      return { name: col.name, kind: 'numeric', mean, std, ...(fill === undefined ? {} : { fill }) };
    }
    const seen = present.map(categoryOf);
    const fill = f.missing === 'mean' ? mode(seen) : f.missing === 'constant' ? String(f.fillValue) : undefined;
    // A training row whose missing value is filled contributes the fill to the vocabulary, as encoding will.
    const trainHasMissing = present.length < f.train.length;
    const vocabulary = sorted(trainHasMissing && fill !== undefined ? [...seen, fill] : seen);
    return { name: col.name, kind: 'categorical', vocabulary, ...(fill === undefined ? {} : { fill }) };
  });
  const targetValues = f.train.map((r) => f.cells(f.target.index)[r]).filter((v) => v.kind !== 'missing');
  const target: TargetEncoding =
    f.target.kind === 'numeric'
      ? { name: f.target.name, kind: 'numeric', ...moments(targetValues.map((v) => (v.kind === 'number' ? v.value : NaN))) }
      : { name: f.target.name, kind: 'categorical', classes: sorted(targetValues.map(categoryOf)) };
  return { type: 'table', version: 1, missing: f.missing, na_values: [...f.naValues], columns, encoded: encodedNames(columns), target };
}

/** The names of the encoded inputs of `columns`, in encoding order. */
export function encodedNames(columns: readonly ColumnEncoding[]): string[] {
  return columns.flatMap((c) => (c.kind === 'numeric' ? [c.name] : [...c.vocabulary.map((v) => `${c.name}=${v}`), `${c.name}=${UNSEEN}`]));
}

/** Thrown by the encoders for a value the preprocessing cannot encode; `row` is the 0-based index in the input. */
export class EncodeError extends Error {
  constructor(
    readonly row: number,
    readonly column: string,
    message: string,
  ) {
    super(message);
    this.name = 'EncodeError';
  }
}

/** Encodes `n` rows read through `cellOf` into `out` (n × encoded.length), row-major. */
export function encodeInto(pre: TablePreprocessing, n: number, cellOf: (row: number, column: string) => unknown, out: Float32Array): Float32Array {
  const na = new Set(pre.na_values);
  const width = pre.encoded.length;
  const lookups = pre.columns.map((c) => (c.kind === 'categorical' ? new Map(c.vocabulary.map((v, i) => [v, i])) : undefined));
  for (let r = 0; r < n; r++) {
    let o = r * width;
    pre.columns.forEach((c, ci) => {
      let v = classifyCell(cellOf(r, c.name), na);
      if (v.kind === 'missing') {
        if (c.fill === undefined) throw new EncodeError(r, c.name, `row ${r}: '${c.name}' is missing, and the model was trained with missing: ${pre.missing}, which fills nothing.`);
        v = classifyCell(c.fill, new Set());
      }
      if (c.kind === 'numeric') {
        if (v.kind !== 'number') throw new EncodeError(r, c.name, `row ${r}: numeric column '${c.name}' holds ${JSON.stringify(cellOf(r, c.name))}, which is not a finite number.`);
        out[o++] = (v.value - c.mean) / c.std;
      } else {
        const slots = c.vocabulary.length + 1;
        out.fill(0, o, o + slots);
        out[o + (lookups[ci]?.get(categoryOf(v)) ?? c.vocabulary.length)] = 1;
        o += slots;
      }
    });
  }
  return out;
}

/**
 * Encodes rows given as objects keyed by column name (as a prediction request or a JSON file holds them) into
 * the model's input, row-major [rows.length × encoded.length]. Pure: for `xp predict` as much as for training.
 */
export function encodeRows(pre: TablePreprocessing, rows: ReadonlyArray<Readonly<Record<string, unknown>>>): Float32Array {
  return encodeInto(pre, rows.length, (r, column) => rows[r][column], new Float32Array(rows.length * pre.encoded.length));
}

/** The target of one row: a class id, a standardised value, or undefined when it has no encoding (unseen class). */
export function encodeTarget(target: TargetEncoding, v: CellValue, classIndex?: ReadonlyMap<string, number>): number | undefined {
  if (target.kind === 'numeric') return v.kind === 'number' ? (v.value - target.mean) / target.std : undefined;
  return (classIndex ?? new Map(target.classes.map((c, i) => [c, i]))).get(categoryOf(v));
}
