// One row per run: the facts `xp compare` prints, as data first (for tests and HTML), as strings second.
import type { MlflowRunStatus } from '../../mlflow/types.js';
import { differingParams } from './differing-params.js';
import type { CompareRunData } from './load-runs.js';

/** One run's row. Numbers stay numbers; null = not logged. */
export interface CompareRow {
  runId: string;
  experimentId: string;
  name: string;
  status: MlflowRunStatus;
  startTime?: number;
  /** The shown (differing) params; a run without the param has no entry. */
  params: Record<string, string>;
  /** Max of val_exact_match over the epochs. */
  bestValExactMatch: number | null;
  testExactMatch: number | null;
  /** Epochs logged (points of the `loss` history). */
  epochs: number;
  /** end − start; for a run still RUNNING, now − start. */
  wallTimeMs: number | null;
}

/** The comparison: which params are columns, how many differing ones were left out, and the rows. */
export interface CompareTable {
  paramKeys: string[];
  hiddenParams: string[];
  rows: CompareRow[];
}

/** Builds the table of `runs` (kept in the order given). `now` dates running runs. Defaults to Date.now(). */
export function buildCompareTable(runs: readonly CompareRunData[], opts: { now?: number; maxParams?: number } = {}): CompareTable {
  const now = opts.now ?? Date.now();
  const { keys, hidden } = differingParams(runs.map((r) => r.params), { limit: opts.maxParams });
  const rows = runs.map((r): CompareRow => {
    const val = (r.history.val_exact_match ?? []).map((p) => p.value).filter(Number.isFinite);
    const { startTime, endTime } = r.info;
    const end = endTime ?? (r.info.status === 'RUNNING' ? now : undefined);
    return {
      runId: r.info.runId,
      experimentId: r.info.experimentId,
      name: r.info.runName || r.info.runId.slice(0, 8),
      status: r.info.status,
      startTime,
      params: Object.fromEntries(keys.filter((k) => k in r.params).map((k) => [k, r.params[k]])),
      bestValExactMatch: val.length ? Math.max(...val) : null,
      testExactMatch: Number.isFinite(r.metrics.test_exact_match) ? r.metrics.test_exact_match : null,
      epochs: (r.history.loss ?? []).length,
      wallTimeMs: startTime !== undefined && end !== undefined ? Math.max(0, end - startTime) : null,
    };
  });
  return { paramKeys: keys, hiddenParams: hidden, rows };
}

/** Placeholder of a value that was not logged. */
export const MISSING = '–';

/** `0.97314` → `97.31%`. */
export function formatPercent(x: number | null): string {
  return x === null ? MISSING : `${(x * 100).toFixed(2)}%`;
}

/** Milliseconds as `42s`, `3m 05s` or `1h 02m`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return MISSING;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** Labels of the rows: the run name, with a short run id added where two runs share a name. */
export function runLabels(rows: ReadonlyArray<Pick<CompareRow, 'name' | 'runId'>>): string[] {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r.name, (seen.get(r.name) ?? 0) + 1);
  return rows.map((r) => ((seen.get(r.name) ?? 0) > 1 ? `${r.name} (${r.runId.slice(0, 7)})` : r.name));
}

/** The table as strings: a header and one line of cells per row. Param values are cut to `maxParamWidth`. */
export function tableCells(table: CompareTable, opts: { maxParamWidth?: number } = {}): { header: string[]; rows: string[][] } {
  const width = opts.maxParamWidth ?? 40;
  const cut = (v: string | undefined) => (v === undefined ? MISSING : v.length > width ? `${v.slice(0, width - 1)}…` : v);
  const labels = runLabels(table.rows);
  return {
    header: ['run', ...table.paramKeys, 'best val EM', 'test EM', 'epochs', 'wall time', 'status'],
    rows: table.rows.map((r, i) => [
      labels[i],
      ...table.paramKeys.map((k) => cut(r.params[k])),
      formatPercent(r.bestValExactMatch),
      formatPercent(r.testExactMatch),
      String(r.epochs),
      formatDuration(r.wallTimeMs),
      r.status,
    ]),
  };
}

/** "+3 more differing params: a, b, c", or '' when none were left out. */
export function hiddenParamsNote(table: CompareTable): string {
  const n = table.hiddenParams.length;
  return n === 0 ? '' : `+${n} more differing param${n === 1 ? '' : 's'} not shown: ${table.hiddenParams.join(', ')}`;
}
