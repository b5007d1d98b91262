import type { TrialRecord } from '../types.js';

/** A trial with `values[e]` reported at epoch e (0-based); the last one is the final value when complete. */
export function trial(number: number, state: TrialRecord['state'], values: number[]): TrialRecord {
  const intermediate = Object.fromEntries(values.map((v, e) => [e, v]));
  return { number, params: {}, state, value: state === 'COMPLETE' ? values[values.length - 1] : undefined, intermediate };
}
