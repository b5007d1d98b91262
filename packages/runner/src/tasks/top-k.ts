import type { ScoredLabel } from './task.js';

/** The `k` likeliest of `n` class probabilities starting at `offset` of `probs`, likeliest first (ties: lower id first). */
export function topLabels(probs: ArrayLike<number>, offset: number, n: number, classes: readonly string[], k: number): ScoredLabel[] {
  const ids = Array.from({ length: n }, (_, i) => i);
  ids.sort((a, b) => probs[offset + b] - probs[offset + a] || a - b);
  return ids.slice(0, Math.max(0, Math.min(k, n))).map((i) => ({ label: classes[i] ?? String(i), probability: probs[offset + i] }));
}
