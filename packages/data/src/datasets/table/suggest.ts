// "Did you mean" for column names, with core's rule for config keys (closestName), so both read alike.
import { closestName } from '@xp/core';

/** `; did you mean 'x'?` when a column is close, else the list of the file's columns. */
export function columnHint(name: string, columns: readonly string[]): string {
  const best = closestName(name, columns);
  if (best !== undefined) return `; did you mean '${best}'?`;
  return `; the file's columns are: ${columns.map((c) => `'${c}'`).join(', ')}`;
}
