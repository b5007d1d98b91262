// One row per run: the facts `xp compare` prints, as data first (for tests and HTML), as strings second.
import type { MlflowRunStatus } from '../../mlflow/types.js';
import { differingParams } from './differing-params.js';
import type { CompareRunData } from './load-runs.js';
import { paramCells } from './param-summary.js';
import { baseName, bestOf, formatMetric, headlineOf, MISSING, testKey, type Headline } from './run-headline.js';

export { formatMetric, formatPercent, MISSING } from './run-headline.js';

/** One run's row. Numbers stay numbers; null = not logged. */
export interface CompareRow {
  runId: string;
  experimentId: string;
  name: string;
  status: MlflowRunStatus;
  startTime?: number;
  /** What the run is judged by (its `xp.headline_*` tags). */
  headline: Headline;
  /** The shown (differing) params; a run without the param has no entry. */
  params: Record<string, string>;
  /** Best of the headline over the epochs, by its mode. */
  bestHeadline: number | null;
  /** The headline on the test split (`test_` + the headline without `val_`). */
  testHeadline: number | null;
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
    const headline = headlineOf(r.tags);
    const test = r.metrics[testKey(headline)];
    const { startTime, endTime } = r.info;
    const end = endTime ?? (r.info.status === 'RUNNING' ? now : undefined);
    return {
      runId: r.info.runId,
      experimentId: r.info.experimentId,
      name: r.info.runName || r.info.runId.slice(0, 8),
      status: r.info.status,
      startTime,
      headline,
      params: Object.fromEntries(keys.filter((k) => k in r.params).map((k) => [k, r.params[k]])),
      bestHeadline: bestOf((r.history[headline.metric] ?? []).map((p) => p.value), headline.mode),
      testHeadline: Number.isFinite(test) ? test : null,
      epochs: (r.history.loss ?? []).length,
      wallTimeMs: startTime !== undefined && end !== undefined ? Math.max(0, end - startTime) : null,
    };
  });
  return { paramKeys: keys, hiddenParams: hidden, rows };
}

/** The headline metric every row shares, or undefined when the runs are judged by different ones (different tasks). */
export function sharedHeadline(rows: ReadonlyArray<Pick<CompareRow, 'headline'>>): string | undefined {
  const metrics = new Set(rows.map((r) => r.headline.metric));
  return metrics.size === 1 ? [...metrics][0] : undefined;
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

/** What a column holds: the run label, a result (a number, right-aligned), a param (by key) or the status. */
export type CompareColumn = { kind: 'run' } | { kind: 'result' } | { kind: 'param'; key: string } | { kind: 'status' };

/**
 * The table as strings: the results first (best headline, test headline, epochs, wall time), then the params
 * that differ (long values summarised, see param-summary.ts), then the status. When the runs share a headline
 * its name heads the columns (`best val_accuracy`, `test accuracy`); otherwise each cell names its metric.
 */
export function tableCells(table: CompareTable, opts: { maxParamWidth?: number } = {}): { header: string[]; rows: string[][]; columns: CompareColumn[] } {
  const labels = runLabels(table.rows);
  const shared = sharedHeadline(table.rows);
  const params = table.paramKeys.map((k) => paramCells(k, table.rows.map((r) => r.params[k]), MISSING, opts.maxParamWidth));
  const result = (metric: string, value: number | null) => (shared !== undefined || value === null ? formatMetric(metric, value) : `${metric}=${formatMetric(metric, value)}`);
  const columns: CompareColumn[] = [{ kind: 'run' }, ...Array.from({ length: 4 }, (): CompareColumn => ({ kind: 'result' })), ...table.paramKeys.map((key): CompareColumn => ({ kind: 'param', key })), { kind: 'status' }];
  return {
    header: [
      'run',
      shared !== undefined ? `best ${shared}` : 'best headline',
      shared !== undefined ? `test ${baseName(shared)}` : 'test headline',
      'epochs',
      'wall time',
      ...table.paramKeys,
      'status',
    ],
    rows: table.rows.map((r, i) => [
      labels[i],
      result(r.headline.metric, r.bestHeadline),
      result(testKey(r.headline), r.testHeadline),
      String(r.epochs),
      formatDuration(r.wallTimeMs),
      ...params.map((cells) => cells[i]),
      r.status,
    ]),
    columns,
  };
}

/** "+3 more differing params: a, b, c", or '' when none were left out. */
export function hiddenParamsNote(table: CompareTable): string {
  const n = table.hiddenParams.length;
  return n === 0 ? '' : `+${n} more differing param${n === 1 ? '' : 's'} not shown: ${table.hiddenParams.join(', ')}`;
}
