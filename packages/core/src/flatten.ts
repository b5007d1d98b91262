// MLflow params are flat string pairs. Lists stay whole as JSON (`model.filters` → `[32,64]`) because a
// list is one setting: splitting it into `filters.0`, `filters.1` would make runs with different lengths
// incomparable in the MLflow UI.
import { isRecord } from './config/pointer.js';

/**
 * Flattens a config into dotted keys with string values, for MLflow params.
 *
 * @example flattenConfig({ training: { epochs: 3 }, model: { filters: [32, 64] } })
 *   // → { 'training.epochs': '3', 'model.filters': '[32,64]' }
 */
export function flattenConfig(config: object): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, key: string): void => {
    if (value === undefined) return;
    if (isRecord(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}.${k}` : k);
    } else if (typeof value === 'string') {
      out[key] = value;
    } else {
      out[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
  };
  walk(config, '');
  return out;
}
