// Predictions as lines of text: JSON Lines (the Prediction as it is, with the input it is for) or CSV (the same
// fields flattened into columns: `top1`, `top1_probability`, …, `pos1_top1`, … and `prediction.<target>`).
import type { Prediction } from '../tasks/task.js';

/** One output line's content: the input it is for, then the prediction. */
export type PredictionLine = { input: string } & Prediction;

/** The JSON Lines line of one prediction (with its newline). */
export function jsonlLine(p: PredictionLine): string {
  return `${JSON.stringify(p)}\n`;
}

/** The CSV columns of one prediction, in output order. */
export function flattenPrediction(p: PredictionLine): Record<string, string | number> {
  const out: Record<string, string | number> = { input: p.input };
  if (typeof p.prediction === 'object') for (const [k, v] of Object.entries(p.prediction)) out[`prediction.${k}`] = v;
  else out.prediction = p.prediction;
  if (p.probability !== undefined) out.probability = p.probability;
  p.top_k?.forEach((t, i) => {
    out[`top${i + 1}`] = t.label;
    out[`top${i + 1}_probability`] = t.probability;
  });
  p.positions?.forEach((pos, l) =>
    pos.forEach((t, i) => {
      out[`pos${l + 1}_top${i + 1}`] = t.label;
      out[`pos${l + 1}_top${i + 1}_probability`] = t.probability;
    }),
  );
  return out;
}

// RFC 4180 quoting, hand-written: it is three rules, and the runner has no CSV writer dependency to reuse.
function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes predictions as CSV: the header comes from the first line (every line of one model has the same columns). */
export function csvWriter(write: (s: string) => void): (p: PredictionLine) => void {
  let columns: string[] | undefined;
  return (p) => {
    const flat = flattenPrediction(p);
    if (!columns) {
      columns = Object.keys(flat);
      write(`${columns.map(csvCell).join(',')}\n`);
    }
    write(`${columns.map((c) => csvCell(flat[c] ?? '')).join(',')}\n`);
  };
}
