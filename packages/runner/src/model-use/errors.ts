// Errors the user of a trained model caused: a model reference that is malformed or names nothing, an image
// that cannot be read, rows with the wrong columns. `xp predict` exits 2 on them (nothing was wrong with xp);
// a scoring server answers them with HTTP 400. Anything else is xp's or the environment's fault.
import { XpError } from '@xp/core';

/** What kind of user input was wrong; stable, for callers that branch (e.g. a server's error body). */
export type ModelInputErrorKind = 'reference' | 'model' | 'image' | 'rows' | 'input';

/** A problem in what the user gave: the reference, the model folder, an image, or table rows. */
export class ModelInputError extends XpError {
  /** Which input was wrong. */
  readonly kind: ModelInputErrorKind;
  /** The 0-based index of the offending item in the call that threw (image or row), when there is one. */
  readonly index?: number;

  constructor(kind: ModelInputErrorKind, message: string, opts: { index?: number; cause?: unknown } = {}) {
    super(`XP_INPUT_${kind.toUpperCase()}`, message, { cause: opts.cause });
    this.kind = kind;
    this.index = opts.index;
  }
}

/** True for an error the user caused (exit code 2, HTTP 400). */
export function isModelInputError(e: unknown): e is ModelInputError {
  return e instanceof ModelInputError;
}
