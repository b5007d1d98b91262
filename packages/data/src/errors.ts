// Errors carry a stable `code` (via core's XpError) so the CLI can map them to exit codes without matching
// message text, which is written for people and may change.
import { XpError } from '@xp/core';

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
