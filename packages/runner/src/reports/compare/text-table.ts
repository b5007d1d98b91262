// Aligned plain-text columns for the terminal.

/** Numbers-like cells (`97.31%`, `12`, `3m 05s`) are right-aligned; everything else left-aligned. */
const NUMERIC = /^[-+]?[\d.,]+(%|e[-+]?\d+)?$|^(\d+h )?(\d+m )?\d+s$/;

/**
 * Formats a header and rows as columns separated by two spaces, with a dashed rule under the header.
 * Widths count code points, so `–` and `…` take one column.
 */
export function formatTextTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const len = (s: string) => [...s].length;
  const widths = header.map((h, c) => Math.max(len(h), ...rows.map((r) => len(r[c] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => {
        const pad = ' '.repeat(widths[c] - len(cell));
        return NUMERIC.test(cell) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
