// "Did you mean" for keys and type names. A suggestion is only made when it is close, because a wrong
// guess is worse than the plain list of what is allowed.
import { distance } from 'fastest-levenshtein';

/** The candidate closest to `name` (case-insensitive edit distance), or undefined when none is close. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best === undefined) return undefined;
  // About one edit per three letters: `epocs` → `epochs`, but not `gpu` → `cpu` (a different word).
  return bestDistance <= Math.floor((Math.max(name.length, best.length) - 1) / 3) ? best : undefined;
}

/** `; did you mean 'x'?` when something is close, else `; <listLabel>: a, b, c`. */
export function suggestion(name: string, candidates: readonly string[], listLabel = 'allowed keys'): string {
  const best = closestName(name, candidates);
  if (best !== undefined) return `; did you mean '${best}'?`;
  return candidates.length ? `; ${listLabel}: ${candidates.join(', ')}` : '';
}
