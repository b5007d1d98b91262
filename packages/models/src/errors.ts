// Errors of this package carry a `XP_CONFIG_…` code: everything a builder refuses comes from the experiment
// config (model options or the data's canvas), so the CLI reports it as a config error (exit 2) before any
// MLflow run exists.
import { XpError } from '@xp/core';

/** Stable codes of the errors this package throws on purpose. */
export type ModelErrorCode = 'XP_CONFIG_MODEL_SHAPE';

/** A model config that cannot be built; the message names the option, the layer and the shapes involved. */
export class ModelConfigError extends XpError {
  declare readonly code: ModelErrorCode;

  /** JSON pointer of the option to blame (e.g. `/model/heads`), so the CLI can point into the file. */
  readonly pointer?: string;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown; pointer?: string }) {
    super(code, message, options);
    this.pointer = options?.pointer;
  }
}
