// `xp compare <experiment|run-id>...`: a table of the runs (what differs, how well each did) on stdout, in
// Markdown and in a self-contained HTML page with their learning curves, plus the MLflow UI compare link.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { XpError } from '@xp/core';
import { MlflowClient } from '../mlflow/index.js';
import { renderVegaLite } from '../reports/plots/render.js';
import { compareCurvesSpec } from '../reports/compare/compare-curves.js';
import { compareHtml } from '../reports/compare/compare-html.js';
import { compareMarkdown, type CompareDocInfo } from '../reports/compare/compare-markdown.js';
import { buildCompareTable, hiddenParamsNote, tableCells } from '../reports/compare/compare-table.js';
import { loadCompareRuns, type CompareRunData } from '../reports/compare/load-runs.js';
import { compareRunsUrl } from '../mlflow/ui-urls.js';
import { openUrl } from '../reports/compare/open-url.js';
import { formatTextTable } from '../reports/compare/text-table.js';
import { stateDir } from '../run/state-dir.js';

/** Options of {@link compareCommand}. */
export interface CompareOptions {
  /** Output folder of compare.md and compare.html. Defaults to `.xp/compare/<timestamp>`. */
  out?: string;
  /** Open the MLflow UI compare page with xdg-open/open. Defaults to false. */
  open?: boolean;
  /** The MLflow server to read. */
  trackingUri: string;
  /** Where warnings go. Defaults to stderr. */
  warn?: (msg: string) => void;
}

/** What {@link compareCommand} wrote, for callers and tests. */
export interface CompareOutcome {
  markdownFile: string;
  htmlFile: string;
  url: string;
  runIds: string[];
}

/**
 * Compares runs: `targets` are experiment names (all their active runs) or run ids (32 hex digits).
 * Prints the aligned table, the files written and the MLflow UI link on stdout.
 *
 * @example await compareCommand(['mnist-seq'], { trackingUri: 'http://127.0.0.1:5000' });
 */
export async function compareCommand(targets: string[], opts: CompareOptions): Promise<CompareOutcome> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (targets.length === 0) {
    throw new XpError('XP_COMPARE_NO_TARGETS', 'nothing to compare: give experiment names or run ids, e.g. `xp compare mnist-seq` or `xp compare <run-id> <run-id>`');
  }
  const client = new MlflowClient({ trackingUri: opts.trackingUri });
  const { runs, experiments } = await loadCompareRuns(client, targets);
  const table = buildCompareTable(runs);
  const url = compareRunsUrl(client.trackingUri, table.rows.map((r) => r.runId), table.rows.map((r) => r.experimentId));
  const generatedAt = new Date().toISOString();
  const info: CompareDocInfo = { experiments: [...new Set(table.rows.map((r) => experiments[r.experimentId] ?? r.experimentId))], url, generatedAt };

  const outDir = path.resolve(opts.out ?? path.join(stateDir(), 'compare', generatedAt.replace(/[:.]/g, '-')));
  await fs.mkdir(outDir, { recursive: true });
  const markdownFile = path.join(outDir, 'compare.md');
  const htmlFile = path.join(outDir, 'compare.html');
  await fs.writeFile(markdownFile, compareMarkdown(table, info));
  await fs.writeFile(htmlFile, compareHtml(table, info, await curvesSvg(runs, table.rows, warn)));

  const { header, rows } = tableCells(table);
  const note = hiddenParamsNote(table);
  process.stdout.write(`${formatTextTable(header, rows)}${note ? `${note}\n` : ''}\n`);
  process.stdout.write(`wrote ${markdownFile}\nwrote ${htmlFile}\nMLflow UI: ${url}\n`);
  if (opts.open && !(await openUrl(url))) warn('could not start a browser (no xdg-open/open); open the MLflow UI link above yourself');
  return { markdownFile, htmlFile, url, runIds: table.rows.map((r) => r.runId) };
}

// The curves are a bonus: a rendering failure leaves the table (the main result) intact.
async function curvesSvg(runs: CompareRunData[], rows: Parameters<typeof compareCurvesSpec>[1], warn: (m: string) => void): Promise<string | null> {
  const spec = compareCurvesSpec(runs, rows);
  if (!spec) return null;
  try {
    return (await renderVegaLite(spec)).svg;
  } catch (e) {
    warn(`warning: learning curves not drawn: ${(e as Error).message}`);
    return null;
  }
}
