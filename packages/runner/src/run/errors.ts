// Errors `xp run` ends with once its MLflow run exists. Each is thrown only after the run has been ended
// (KILLED or FAILED) with the reason in its tags, so a caller only has to report it and pick the exit code.
import { constants } from 'node:os';
import { XpError } from '@xp/core';

/** Stable codes of the errors this module throws. */
export type RunErrorCode = 'XP_RUN_INTERRUPTED' | 'XP_RUN_DIVERGED' | 'XP_MLFLOW_UNREACHABLE' | 'XP_RESUME';

/** Exit code a shell gives a process ended by `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * A run stopped by SIGINT or SIGTERM. The MLflow run has ended KILLED with `xp.killed_by` and
 * `xp.killed_at_epoch` tags, the metrics logged so far and a checkpoint under `checkpoints/`.
 */
export class RunInterruptedError extends XpError {
  declare readonly code: 'XP_RUN_INTERRUPTED';
  /** What the CLI exits with: 128 + the signal's number. */
  readonly exitCode: number;

  constructor(
    readonly signal: NodeJS.Signals,
    message: string,
  ) {
    super('XP_RUN_INTERRUPTED', message);
    this.exitCode = signalExitCode(signal);
  }
}

/** terminate_on_nan stopped training on a NaN or infinite loss; the MLflow run has ended FAILED. */
export class TrainingDivergedError extends XpError {
  declare readonly code: 'XP_RUN_DIVERGED';

  constructor(message: string) {
    super('XP_RUN_DIVERGED', message);
  }
}

/** The tracking server did not answer when the run was about to start; nothing was created or trained. */
export class MlflowUnreachableError extends XpError {
  declare readonly code: 'XP_MLFLOW_UNREACHABLE';

  constructor(
    readonly trackingUri: string,
    reason: string,
  ) {
    super(
      'XP_MLFLOW_UNREACHABLE',
      `MLflow at ${trackingUri} is not reachable, so nothing was started: ${reason}. ` +
        'To train anyway, run with --offline: the run is kept in a local spool and `npx xp sync` sends it later.',
    );
  }
}

/** `xp run --resume` cannot continue the run it was given. */
export class ResumeError extends XpError {
  declare readonly code: 'XP_RESUME';

  constructor(message: string) {
    super('XP_RESUME', message);
  }
}
