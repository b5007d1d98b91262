// Reads a table and checks it against its config: which columns are used and how, which rows are kept, and
// every problem with the file's row or line. `inspect()` returns the problems; `prepare()` refuses to go on
// while there are any, so `xp validate` and `xp run` judge a file the same way.
import path from 'node:path';
import type { DataIssue } from '../dataset-type.js';
import { classifyCell, categoryOf, quoteCell, type CellValue } from './cells.js';
import { formatFromPath, KNOWN_EXTENSIONS, readTable, type RawTable } from './read-table.js';
import type { ColumnKind, TableConfig } from './schema.js';
import { columnHint } from './suggest.js';

/** One used column: its name, its index in the file's header and how it is encoded. */
export interface ColumnPlan {
  name: string;
  index: number;
  kind: ColumnKind;
}

/** A table read and checked, ready to be split and fitted. */
export interface TableAnalysis {
  file: string;
  table: RawTable;
  features: ColumnPlan[];
  target: ColumnPlan;
  /** Rows used (indices into `table.rows`), after `missing: drop`. */
  kept: number[];
  /** Rows left out by `missing: drop`. */
  dropped: number;
  /** Missing cells per used column, over every row read. */
  missing: Record<string, number>;
  naValues: ReadonlySet<string>;
  /** Classified cells of a column (by header index), one per row. */
  cells: (index: number) => readonly CellValue[];
}

/** How many issues of one kind in one column are listed before the rest are counted. */
const ISSUES_PER_KIND = 5;

/** Collects issues, listing the first few of each kind and counting the rest in one closing line. */
class IssueList {
  readonly issues: DataIssue[] = [];
  private readonly seen = new Map<string, { count: number; file: string; what: string }>();

  add(kind: string, what: string, issue: DataIssue): void {
    const s = this.seen.get(kind) ?? { count: 0, file: issue.file, what };
    s.count++;
    this.seen.set(kind, s);
    if (s.count <= ISSUES_PER_KIND) this.issues.push(issue);
  }

  done(): DataIssue[] {
    for (const s of this.seen.values()) {
      if (s.count > ISSUES_PER_KIND) this.issues.push({ file: s.file, message: `…and ${s.count - ISSUES_PER_KIND} more rows with ${s.what}.` });
    }
    return this.issues;
  }
}

/** The data file a config names, resolved against the experiment's folder. */
export function tableFile(config: TableConfig, baseDir: string): string {
  return path.resolve(baseDir, config.path);
}

/** Rows of each split for `n` rows: test and val get at least one row when their fraction is not 0. */
export function splitSizes(n: number, config: Pick<TableConfig, 'val_fraction' | 'test_fraction'>): { train: number; val: number; test: number } {
  const part = (f: number) => (f > 0 ? Math.max(1, Math.round(n * f)) : 0);
  const test = part(config.test_fraction);
  const val = part(config.val_fraction);
  return { train: n - test - val, val, test };
}

/**
 * Reads the file and checks it. Throws DataFileError only when the file cannot be read at all (missing, over
 * `max_rows`); everything else is returned as issues, with `analysis` undefined when the columns cannot be resolved.
 */
export async function analyseTable(config: TableConfig, baseDir: string): Promise<{ issues: DataIssue[]; analysis?: TableAnalysis }> {
  const file = tableFile(config, baseDir);
  const format = config.format === 'auto' ? formatFromPath(file) : config.format;
  if (format === undefined) {
    return { issues: [{ file, message: `has an extension xp cannot read (${KNOWN_EXTENSIONS.join(', ')}); set data.format to csv, tsv, json or jsonl.` }] };
  }
  const table = await readTable(file, format, config.max_rows);
  if (table.header.length === 0) return { issues: table.issues };
  const issues = new IssueList();
  table.issues.forEach((i) => issues.add('read', 'rows that cannot be read', i));
  const naValues = new Set(config.na_values);

  // Columns: the target and the declared (or all other) features must be in the header, each once.
  const at = new Map<string, number>();
  table.header.forEach((h, i) => {
    const first = at.get(h);
    if (first === undefined) at.set(h, i);
    else {
      issues.add(`duplicate:${h}`, '', {
        file,
        line: table.headerLine,
        message: `the header names column ${h === '' ? '(empty)' : `'${h}'`} twice (columns ${first + 1} and ${i + 1}); give each column its own name.`,
      });
    }
  });
  if (at.size < table.header.length) return { issues: issues.done() };
  const unknown = (name: string, role: string) =>
    issues.add(`column:${name}`, '', { file, line: table.headerLine, message: `${role} '${name}' is not a column of this file${columnHint(name, table.header)}` });
  const targetIndex = at.get(config.target);
  if (targetIndex === undefined) unknown(config.target, 'data.target:');
  const declared = config.features ? Object.entries(config.features) : undefined;
  for (const [name] of declared ?? []) if (!at.has(name)) unknown(name, `data.features: column`);
  if (targetIndex === undefined || (declared ?? []).some(([name]) => !at.has(name))) return { issues: issues.done() };

  const values = (index: number) => table.rows.map((r) => classifyCell(r[index], naValues));
  // A column is numeric when every value present is a number (NaN/Infinity count as numbers gone wrong).
  const inferKind = (vs: CellValue[]): ColumnKind => (vs.some((v) => v.kind === 'text') || !vs.some((v) => v.kind === 'number') ? 'categorical' : 'numeric');
  const cells = new Map<number, CellValue[]>();
  const cellsOf = (index: number) => {
    let vs = cells.get(index);
    if (!vs) cells.set(index, (vs = values(index)));
    return vs;
  };
  const features: ColumnPlan[] = (declared ?? table.header.filter((h) => h !== config.target).map((h) => [h, undefined] as const)).map(([name, kind]) => {
    const index = at.get(name) as number;
    return { name, index, kind: kind ?? inferKind(cellsOf(index)) };
  });
  const targetKind = config.target_kind === 'auto' ? inferKind(cellsOf(targetIndex)) : config.target_kind;
  const target: ColumnPlan = { name: config.target, index: targetIndex, kind: targetKind };
  if (features.length === 0) issues.add('no-features', '', { file, message: `has no column besides the target '${config.target}' to learn from.` });

  // Cells, row by row: values a numeric column cannot hold, and missing values as the policy says.
  const missing: Record<string, number> = {};
  const kept: number[] = [];
  let dropped = 0;
  const fillIsNumber = config.fill_value === undefined || classifyCell(config.fill_value, new Set()).kind === 'number';
  for (let r = 0; r < table.rows.length; r++) {
    const line = table.lines[r];
    let drop = false;
    for (const col of [target, ...features]) {
      const v = cellsOf(col.index)[r];
      const cell = table.rows[r][col.index];
      const role = col === target ? 'target column' : 'column';
      if (v.kind === 'missing') {
        missing[col.name] = (missing[col.name] ?? 0) + 1;
        if (config.missing === 'drop') drop = true;
        else if (col === target) {
          issues.add(`missing-target`, `a missing target`, { file, line, message: `the target '${col.name}' is missing; set data.missing: drop to leave rows without a target out.` });
        } else if (config.missing === 'error') {
          issues.add(`missing:${col.name}`, `missing '${col.name}'`, {
            file,
            line,
            message: `'${col.name}' is missing (data.missing: error); set data.missing to drop, mean or constant, or fix the file.`,
          });
        } else if (config.missing === 'constant' && col.kind === 'numeric' && !fillIsNumber) {
          issues.add(`fill:${col.name}`, `a missing '${col.name}'`, {
            file,
            line,
            message: `'${col.name}' is missing and numeric, but data.fill_value ${JSON.stringify(config.fill_value)} is not a number.`,
          });
        }
      } else if (col.kind === 'numeric' && v.kind === 'nonfinite') {
        issues.add(`nonfinite:${col.name}`, `NaN or Infinity in '${col.name}'`, {
          file,
          line,
          message: `${role} '${col.name}' holds ${quoteCell(cell)}, which is not a finite number; mark a missing value with an empty cell (or one of data.na_values).`,
        });
      } else if (col.kind === 'numeric' && v.kind === 'text') {
        issues.add(`text:${col.name}`, `non-numeric '${col.name}'`, {
          file,
          line,
          message: `numeric ${role} '${col.name}' holds ${quoteCell(cell)}, which is not a number; fix the value, or declare the column categorical in data.features.`,
        });
      }
    }
    if (drop) dropped++;
    else kept.push(r);
  }

  if (target.kind === 'categorical') {
    const classes = new Set(kept.map((r) => categoryOf(cellsOf(target.index)[r])));
    classes.delete('');
    if (classes.size < 2) {
      issues.add('classes', '', {
        file,
        message: `the target '${target.name}' has ${classes.size === 0 ? 'no class' : `only one class (${[...classes].map((c) => `'${c}'`).join('')})`} in the rows used; classification needs at least 2.`,
      });
    }
  }
  const sizes = splitSizes(kept.length, config);
  if (sizes.train < 1) {
    issues.add('rows', '', {
      file,
      message: `has ${kept.length} usable rows${dropped ? ` (${dropped} dropped for missing values)` : ''}; too few for data.val_fraction ${config.val_fraction} and data.test_fraction ${config.test_fraction} to leave training rows.`,
    });
  }
  return { issues: issues.done(), analysis: { file, table, features, target, kept, dropped, missing, naValues, cells: cellsOf } };
}
