// `compare.html`: one self-contained file (inline CSS and SVG, no scripts, nothing fetched) with the table
// and the overlaid learning curves, to open offline or attach anywhere.
import type { CompareDocInfo } from './compare-markdown.js';
import { hiddenParamsNote, runLabels, tableCells, type CompareTable } from './compare-table.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; white-space: nowrap; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note, .meta { color: #666; }
figure { margin: 1rem 0; }
`;

/**
 * The HTML page. `curvesSvg` is inserted as is: pass only SVG produced by renderVegaLite (trusted),
 * never user text. Full param values are in each cell's tooltip (`title`); the cell shows a summary.
 */
export function compareHtml(table: CompareTable, info: CompareDocInfo, curvesSvg: string | null): string {
  const { header, rows, columns } = tableCells(table);
  const labels = runLabels(table.rows);
  const body = rows
    .map((cells, i) => {
      const row = table.rows[i];
      const tds = cells.map((cell, c) => {
        const col = columns[c];
        if (col.kind === 'run') return `<td title="${escapeHtml(row.runId)}">${escapeHtml(labels[i])}</td>`;
        const full = col.kind === 'param' ? row.params[col.key] : undefined;
        if (full !== undefined) return `<td title="${escapeHtml(full)}">${escapeHtml(cell)}</td>`;
        return col.kind === 'result' ? `<td class="num">${escapeHtml(cell)}</td>` : `<td>${escapeHtml(cell)}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('\n');
  const note = hiddenParamsNote(table);
  const title = `Run comparison (${table.rows.length} run${table.rows.length === 1 ? '' : 's'})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Experiments: ${info.experiments.map(escapeHtml).join(', ')} · generated ${escapeHtml(info.generatedAt)} ·
<a href="${escapeHtml(info.url)}">compare in the MLflow UI</a></p>
<table>
<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody>
</table>
${note ? `<p class="note">${escapeHtml(note)}</p>\n` : ''}<h2>Learning curves</h2>
${curvesSvg ? `<figure>${curvesSvg}</figure>` : '<p class="note">No run logged its headline metric or val_loss: no curves to draw.</p>'}
</body>
</html>
`;
}
