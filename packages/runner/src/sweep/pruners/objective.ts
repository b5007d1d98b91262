// What both pruners need to know about the objective: its name (for reasons), its direction, and how to
// print a value in a reason.
import type { Goal } from '../types.js';

/** The options every pruner takes. */
export interface PrunerObjective {
  /** The sweep metric, e.g. `val_exact_match`; only used in reasons. */
  metric: string;
  /** Whether larger or smaller values are better. */
  goal: Goal;
  /** Epochs every trial trains before it can be pruned (the first decision is after this many). Defaults to 1. */
  minEpochs?: number;
}

/** Checks the shared options, with the value received in the message. */
export function checkObjective(pruner: string, o: PrunerObjective): number {
  if (typeof o.metric !== 'string' || o.metric === '') throw new RangeError(`${pruner}: metric must be a non-empty string, but got metric=${JSON.stringify(o.metric)}`);
  if (o.goal !== 'maximize' && o.goal !== 'minimize') throw new RangeError(`${pruner}: goal must be 'maximize' or 'minimize', but got goal=${String(o.goal)}`);
  const minEpochs = o.minEpochs ?? 1;
  if (!Number.isInteger(minEpochs) || minEpochs < 1) throw new RangeError(`${pruner}: minEpochs must be at least 1, but got minEpochs=${o.minEpochs}`);
  return minEpochs;
}

/** Values best first for `goal`. */
export function bestFirst(values: readonly number[], goal: Goal): number[] {
  return [...values].sort((a, b) => (goal === 'maximize' ? b - a : a - b));
}

/** A value for a reason: 6 significant digits, no trailing zeros. */
export function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/**
 * The value reported at `epoch`, if any. Epochs are 0-based as reported (the MLflow step); reasons print
 * them 1-based, like the progress lines ("epoch 2/10").
 */
export function reportedValue(values: Readonly<Record<number, number>>, epoch: number): number | undefined {
  const v = values[epoch];
  return typeof v === 'number' ? v : undefined;
}
