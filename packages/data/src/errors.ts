// Errors carry a stable `code` (via core's XpError) so the CLI can map them to exit codes without matching
// message text, which is written for people and may change.
import { displayPath, XpError } from '@xp/core';

/** Stable codes of the errors this package throws on purpose. */
export type DataErrorCode =
  | 'XP_IDX_INVALID'
  | 'XP_MNIST_DOWNLOAD_FAILED'
  | 'XP_MNIST_CHECKSUM_MISMATCH'
  | 'XP_DATA_CONFIG_INVALID'
  | 'XP_DATA_UNKNOWN_SPLIT';

/** An input-pipeline failure whose message says what was received and what to do. */
export class DataError extends XpError {
  declare readonly code: DataErrorCode;

  constructor(code: DataErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** One problem in a data file: the file, and its 1-based line or row when known. */
export interface DataFileIssue {
  file: string;
  line?: number;
  message: string;
}

/**
 * Problems in the data files an experiment points at (a missing folder, a ragged CSV row, a corrupt image, …).
 * Like a config error it exits 2 before any MLflow run exists: the input is wrong, nothing ran. Its message is
 * one `file:line: message` line per problem, as editors and terminals link them.
 */
export class DataFileError extends XpError {
  declare readonly code: 'XP_CONFIG_DATA_FILE';
  readonly issues: readonly DataFileIssue[];

  constructor(issues: readonly DataFileIssue[], options?: { cause?: unknown }) {
    super('XP_CONFIG_DATA_FILE', issues.map(formatDataIssue).join('\n'), options);
    this.issues = issues;
  }
}

/** `file:line: message` (or `file: message` without a line); the path relative to the working directory when inside it, as config errors print theirs. */
export function formatDataIssue(i: DataFileIssue): string {
  return `${displayPath(i.file)}${i.line === undefined ? '' : `:${i.line}`}: ${i.message}`;
}
