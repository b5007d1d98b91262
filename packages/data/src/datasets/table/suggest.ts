// "Did you mean" for column names. core has the same rule (closestName in core's config/suggest.ts) but does not
// export it from @xp/core, so this is a copy of its one rule on the same library.
import { distance } from 'fastest-levenshtein';

/** The column closest to `name` (case-insensitive edit distance, about one edit per three letters), if any. */
export function closestColumn(name: string, columns: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of columns) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.floor((Math.max(name.length, best.length) - 1) / 3) ? best : undefined;
}

/** `; did you mean 'x'?` when a column is close, else the list of the file's columns. */
export function columnHint(name: string, columns: readonly string[]): string {
  const best = closestColumn(name, columns);
  if (best !== undefined) return `; did you mean '${best}'?`;
  return `; the file's columns are: ${columns.map((c) => `'${c}'`).join(', ')}`;
}
