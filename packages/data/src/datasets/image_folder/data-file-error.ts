// A problem in a data file found while preparing (not by inspect): it names the file and line so the CLI can
// report it like a config error (exit 2). Defined here until the data package has a shared one.
import { XpError } from '@xp/core';

/** A data file that cannot be used, with where. */
export class DataFileError extends XpError {
  declare readonly code: 'XP_DATA_FILE';
  readonly file: string;
  readonly line?: number;

  constructor(file: string, message: string, opts: { line?: number; cause?: unknown } = {}) {
    super('XP_DATA_FILE', `${file}${opts.line ? `:${opts.line}` : ''}: ${message}`, { cause: opts.cause });
    this.file = file;
    this.line = opts.line;
  }
}
