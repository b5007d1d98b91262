// Which params to show when comparing runs: only those that differ, the most informative first.
// Runs log their whole flattened config (dozens of keys), and a table of identical values hides the change.

/** The params chosen as columns, and those left out. */
export interface DifferingParams {
  /** Columns to show, grouped (model, training, augment, callbacks, the rest) and alphabetical within a group. */
  keys: string[];
  /** Differing params not shown, in rank order. */
  hidden: string[];
}

/** Options of {@link differingParams}. */
export interface DifferingParamsOptions {
  /** Most columns to show. Defaults to 8. */
  limit?: number;
  /** Keys never shown as params. Defaults to `name` (the run name has its own column). */
  exclude?: readonly string[];
}

// What changes the result most: the architecture and the optimisation, then the data augmentation and the
// callbacks (early stopping, LR schedule). Everything else (data sizes, seed, mlflow.*) comes after.
const GROUPS: Array<(key: string) => boolean> = [
  (k) => k.startsWith('model.') || k === 'model',
  (k) => k.startsWith('training.'),
  (k) => k === 'augment' || k.startsWith('augment.'),
  (k) => k === 'callbacks' || k.startsWith('callbacks.'),
];

function group(key: string): number {
  const i = GROUPS.findIndex((g) => g(key));
  return i < 0 ? GROUPS.length : i;
}

/**
 * Params whose value is not the same in every run (a param missing from some runs differs). Ranked by
 * group, then by how many distinct values they take, then by name; the top `limit` are returned as `keys`.
 *
 * @example differingParams([{ 'model.type': 'cnn', seed: '1' }, { 'model.type': 'crnn', seed: '1' }]).keys // ['model.type']
 */
export function differingParams(params: ReadonlyArray<Record<string, string>>, opts: DifferingParamsOptions = {}): DifferingParams {
  const exclude = new Set(opts.exclude ?? ['name']);
  const keys = new Set(params.flatMap((p) => Object.keys(p)));
  const ranked = [...keys]
    .filter((k) => !exclude.has(k))
    .map((k) => ({ k, distinct: new Set(params.map((p) => p[k])).size }))
    .filter((d) => d.distinct > 1)
    .sort((a, b) => group(a.k) - group(b.k) || b.distinct - a.distinct || a.k.localeCompare(b.k));
  const limit = opts.limit ?? 8;
  const shown = ranked.slice(0, limit).map((d) => d.k);
  shown.sort((a, b) => group(a) - group(b) || a.localeCompare(b));
  return { keys: shown, hidden: ranked.slice(limit).map((d) => d.k) };
}
