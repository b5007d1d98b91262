import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Callback, CallbackState, Logs } from './callback.js';

/** Quotes a CSV field when it holds a separator, a quote or a line break (RFC 4180). */
const field = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * Writes one CSV row per epoch (`epoch`, then each metric) to `path`.
 *
 * Columns follow the order in which keys first appear. When an epoch brings a new key (validation metrics
 * that start later, say), the file is rewritten with the wider header and blanks in earlier rows, so every
 * row always matches the header; otherwise each epoch only appends a line. The file is started afresh at
 * train begin.
 *
 * @example new CsvLogger('/runs/abc/metrics.csv')
 */
export class CsvLogger implements Callback {
  readonly name = 'csv_logger';
  /** Column names after `epoch`, in order. */
  columns: string[] = [];
  private rows: Array<{ epoch: number; logs: Logs }> = [];

  /** @param path File to write; its folder is created if missing. */
  constructor(readonly path: string) {
    if (path.length === 0) throw new Error(`${this.name}: path must not be empty. Pass the CSV file to write.`);
  }

  async onTrainBegin(): Promise<void> {
    this.columns = [];
    this.rows = [];
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(this.path, '');
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    this.rows.push({ epoch, logs: { ...logs } });
    const added = Object.keys(logs).filter((k) => !this.columns.includes(k));
    if (added.length === 0) {
      await appendFile(this.path, this.line(epoch, logs));
      return;
    }
    this.columns.push(...added);
    const header = ['epoch', ...this.columns].map(field).join(',') + '\n';
    await writeFile(this.path, header + this.rows.map((r) => this.line(r.epoch, r.logs)).join(''));
  }

  getState(): CallbackState {
    return { data: { columns: this.columns, rows: this.rows } };
  }

  /** A resumed run's file holds the earlier epochs' rows again, then continues. */
  async setState(state: CallbackState): Promise<void> {
    const d = state.data as { columns: string[]; rows: Array<{ epoch: number; logs: Logs }> };
    this.columns = [...d.columns];
    this.rows = d.rows.map((r) => ({ epoch: r.epoch, logs: { ...r.logs } }));
    const header = this.rows.length ? ['epoch', ...this.columns].map(field).join(',') + '\n' : '';
    await writeFile(this.path, header + this.rows.map((r) => this.line(r.epoch, r.logs)).join(''));
  }

  private line(epoch: number, logs: Logs): string {
    return [String(epoch), ...this.columns.map((c) => (c in logs ? String(logs[c]) : ''))].join(',') + '\n';
  }
}
