// Test helpers for the table dataset: files in a fresh temp folder and configs with the schema's defaults.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_MAX_ROWS, type TableConfig } from '../src/datasets/table/schema.js';

/** A temp folder; `write(name, text)` puts a file in it and returns its path. */
export function tempTables() {
  const dir = mkdtempSync(path.join(tmpdir(), 'xp-table-'));
  return {
    dir,
    write: (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
  };
}

/** A resolved table config: the schema's defaults, overridden by `o`. */
export function tableConfig(o: Partial<TableConfig> & { path: string; target: string }): TableConfig {
  return {
    type: 'table',
    format: 'auto',
    target_kind: 'auto',
    missing: 'error',
    na_values: ['', 'NA', 'N/A', 'null'],
    val_fraction: 0.1,
    test_fraction: 0.2,
    max_rows: DEFAULT_MAX_ROWS,
    ...o,
  };
}
