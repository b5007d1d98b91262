// `compare.md`: the comparison as a Markdown table, to paste into a PR or notes.
import { hiddenParamsNote, tableCells, type CompareTable } from './compare-table.js';

/** What the page says besides the table. */
export interface CompareDocInfo {
  /** Experiment names of the runs. */
  experiments: string[];
  /** The MLflow UI compare page. */
  url: string;
  /** When the comparison was made (ISO 8601). */
  generatedAt: string;
}

/** Escapes a cell: `|` would end it, and a newline would end the row. */
export function markdownCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The Markdown document: title, experiments, the table, the hidden-params note and the MLflow link. */
export function compareMarkdown(table: CompareTable, info: CompareDocInfo): string {
  const { header, rows, columns } = tableCells(table);
  const line = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  // Right-align the results: they hold numbers.
  const rule = `|${columns.map((col) => (col.kind === 'result' ? ' ---: ' : ' --- ')).join('|')}|`;
  const note = hiddenParamsNote(table);
  return [
    `# Run comparison (${table.rows.length} run${table.rows.length === 1 ? '' : 's'})`,
    '',
    `Experiments: ${info.experiments.map((e) => `\`${e}\``).join(', ')} · generated ${info.generatedAt}`,
    '',
    line(header),
    rule,
    ...rows.map(line),
    '',
    ...(note ? [`_${markdownCell(note)}_`, ''] : []),
    `[Compare in the MLflow UI](${info.url.replace(/\)/g, '%29').replace(/ /g, '%20')})`,
    '',
  ].join('\n');
}
