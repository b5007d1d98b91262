// What one raw cell means: a number, a text, a missing value, or a NaN/Infinity that cannot be learned from.
// Inspection, fitting and encoding all read cells through here, so they agree on every value.
import type { Cell } from './read-table.js';

export type CellValue =
  | { kind: 'missing' }
  | { kind: 'number'; value: number }
  | { kind: 'nonfinite'; text: string }
  | { kind: 'text'; text: string };

// Decimal numbers only: `Number()` would also take hex (`0x1F`), binary and `Infinity`, which in a table are
// a category label or a mistake rather than a measurement.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** Classifies a cell; `naValues` are the texts that mean missing (null and undefined always do). */
export function classifyCell(cell: unknown, naValues: ReadonlySet<string>): CellValue {
  if (cell === null || cell === undefined) return { kind: 'missing' };
  if (typeof cell === 'number') return Number.isFinite(cell) ? { kind: 'number', value: cell } : { kind: 'nonfinite', text: String(cell) };
  if (typeof cell === 'boolean') return { kind: 'text', text: String(cell) };
  const raw = String(cell);
  const text = raw.trim();
  if (naValues.has(raw) || naValues.has(text)) return { kind: 'missing' };
  if (DECIMAL.test(text)) return { kind: 'number', value: Number(text) };
  if (NON_FINITE.test(text)) return { kind: 'nonfinite', text };
  return { kind: 'text', text };
}

/** The category a non-missing value stands for (numbers by their shortest text, so `3` and `3.0` agree in JSON). */
export function categoryOf(v: CellValue): string {
  if (v.kind === 'number') return String(v.value);
  if (v.kind === 'missing') return '';
  return v.text;
}

/** A short quote of a cell for messages. */
export function quoteCell(cell: Cell | undefined): string {
  const s = typeof cell === 'string' ? cell : JSON.stringify(cell);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}
