// A problem in a data file, raised by `prepare()` (and by reading a file that cannot be read at all). Defined
// here because data's errors.ts has no data-file error yet; its shape follows the one the registry work adds
// there (a list of issues, exit 2), so switching to it is an import change.
import { XpError } from '@xp/core';
import type { DataIssue } from '../dataset-type.js';

/** Problems in the data file; the message is one `file:line: message` line per problem. */
export class DataFileError extends XpError {
  declare readonly code: 'XP_CONFIG_DATA_FILE';
  readonly issues: readonly DataIssue[];

  constructor(issues: readonly DataIssue[], options?: { cause?: unknown }) {
    super('XP_CONFIG_DATA_FILE', issues.map((i) => `${i.file}${i.line === undefined ? '' : `:${i.line}`}: ${i.message}`).join('\n'), options);
    this.issues = issues;
  }
}
