// What a compared run is judged by: the headline metric its task tagged on it (`xp.headline_metric`,
// `xp.headline_mode`), its test counterpart, its best value over the epochs and how to print it.
import type { MetricMode } from '../../tasks/task.js';

/** A run's headline metric as logged per epoch (e.g. `val_accuracy`, or `rmse` without validation) and its direction. */
export interface Headline {
  metric: string;
  mode: MetricMode;
}

/** What runs logged before the tags existed were judged by: xp's only workload then, the digit sequences. */
export const LEGACY_HEADLINE: Headline = Object.freeze({ metric: 'val_exact_match', mode: 'max' });

/** The headline a run's tags name, else {@link LEGACY_HEADLINE}. */
export function headlineOf(tags: Readonly<Record<string, string>>): Headline {
  const metric = tags['xp.headline_metric'];
  if (!metric) return LEGACY_HEADLINE;
  const mode = tags['xp.headline_mode'];
  return { metric, mode: mode === 'min' ? 'min' : mode === 'max' ? 'max' : guessMode(metric) };
}

/** The headline's test metric: `val_accuracy` and `accuracy` are both logged as `test_accuracy`. */
export function testKey(h: Headline): string {
  return `test_${baseName(h.metric)}`;
}

/** A metric's name without its split prefix (`val_`, `test_`). */
export function baseName(metric: string): string {
  return metric.replace(/^(val|test)_/, '');
}

/** The best of `values` by `mode`, ignoring non-finite ones; null when none is finite. */
export function bestOf(values: readonly number[], mode: MetricMode): number | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return mode === 'max' ? Math.max(...finite) : Math.min(...finite);
}

// Ratios in [0, 1] read best as percentages; errors and losses are in the target's own units.
const FRACTION = /(^|_)(accuracy|acc|exact_match|f1|r2|precision|recall|auc)(_|$)/;
const ERROR = /(^|_)(loss|rmse|mse|mae|mape|error)(_|$)/;

/** Whether a metric is a fraction (printed as a percentage) rather than an error or loss (printed as a number). */
export function isFraction(metric: string): boolean {
  const name = baseName(metric);
  return FRACTION.test(name) && !ERROR.test(name);
}

// A tag without a mode (written by hand): an error or a loss is minimised, anything else maximised.
function guessMode(metric: string): MetricMode {
  return ERROR.test(baseName(metric)) ? 'min' : 'max';
}

/** Placeholder of a value that was not logged. */
export const MISSING = '–';

/** `0.97314` → `97.31%`. */
export function formatPercent(x: number | null): string {
  return x === null ? MISSING : `${(x * 100).toFixed(2)}%`;
}

/** A metric's value as the table shows it: `97.31%` for fractions, `0.3125` (4 significant digits) otherwise. */
export function formatMetric(metric: string, x: number | null): string {
  if (x === null) return MISSING;
  return isFraction(metric) ? formatPercent(x) : String(Number(x.toPrecision(4)));
}
