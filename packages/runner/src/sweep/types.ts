// Shared types of the sweep machinery. Samplers and pruners keep no history of their own: every call gets
// the trials so far (read from MLflow/Redis), so a resumed or distributed sweep just re-reads them
// (Optuna's samplers work the same way).

/** A sampled value of one parameter. */
export type ParamValue = number | string | boolean | null | ParamValue[];

/** One trial as the sweep sees it. */
export interface TrialRecord {
  /** 0-based trial number within the sweep. */
  number: number;
  /** Dotted config path → sampled value. */
  params: Record<string, ParamValue>;
  state: 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAILED';
  /** Final objective value (the sweep metric), when complete. */
  value?: number;
  /** Intermediate values of the sweep metric, by epoch (0-based). */
  intermediate: Record<number, number>;
  /** MLflow run id of the trial's child run, when known. */
  runId?: string;
}

/** The direction of the objective. */
export type Goal = 'maximize' | 'minimize';

/** Suggests the parameters of the next trial. */
export interface Sampler {
  readonly name: string;
  /** Parameters of trial `trialNumber`, given every trial so far (any state). */
  sample(trialNumber: number, history: readonly TrialRecord[]): Record<string, ParamValue>;
}

/** Decides whether a running trial should stop early. */
export interface Pruner {
  readonly name: string;
  /** Whether `trial`, having just reported `epoch`, should stop; `reason` says why (logged as a run tag). */
  shouldPrune(trial: TrialRecord, epoch: number, history: readonly TrialRecord[]): { prune: boolean; reason?: string };
}
