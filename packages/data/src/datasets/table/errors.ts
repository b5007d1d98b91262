// A problem in a data file, raised by `prepare()` when it meets what `inspect()` would have reported. Defined
// here because data's errors.ts has no data-file error yet (the registry work may move it there).
import { XpError } from '@xp/core';

/** A data file that cannot be used as configured; `file` and `line` say where (the message says so too). */
export class DataFileError extends XpError {
  declare readonly code: 'XP_DATA_FILE';
  readonly file: string;
  readonly line?: number;

  constructor(file: string, line: number | undefined, message: string, options?: { cause?: unknown }) {
    super('XP_DATA_FILE', `${line === undefined ? file : `${file}:${line}`}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}
