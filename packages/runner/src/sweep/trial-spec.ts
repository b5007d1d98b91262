// A trial as handed to whatever runs it: a local child process (env XP_TRIAL_SPEC) or a BullMQ job (its data).
// Self-contained, so a worker on another machine needs nothing else: not the sweep file, not the coordinator.
import { XpError } from '@xp/core';
import type { SweepConfig } from '@xp/core';
import { SWEEP_TAGS } from './trial-record.js';
import type { ParamValue } from './types.js';

/** Everything needed to run one attempt at a trial. */
export interface TrialSpec {
  /** The sweep's id: its parent run id. */
  sweepId: string;
  parentRunId: string;
  /** MLflow experiment of the parent (and of every child). */
  experimentId: string;
  trialNumber: number;
  /** Unique per attempt; tagged on the attempt's run so the attempt can find it. */
  attempt: string;
  /** Absolute path of the experiment file. */
  experimentFile: string;
  /** The experiment's resolved YAML, used when `experimentFile` does not exist (a worker on another machine). */
  experimentYaml: string;
  params: Record<string, ParamValue>;
  /** `--set` options that apply `params` (and name the run). */
  overrides: string[];
  trackingUri: string;
  /** The sweep section (metric, goal, early termination), for the pruner. */
  sweep: SweepConfig;
  /** Absolute `--plugin` files the trial loads: the sweep's for local trials, the worker's own on a queue. */
  plugins?: string[];
  /** When the coordinator handed the trial to its executor (ms since the Unix epoch; `xp.timing.enqueued`). */
  enqueuedAt?: number;
  /** When a worker took it (`xp.timing.picked`); set per attempt. */
  pickedAt?: number;
}

/** The environment variable a local trial process reads its spec from. */
export const TRIAL_SPEC_ENV = 'XP_TRIAL_SPEC';

/** Parses and checks a spec (from the environment or a job). */
export function parseTrialSpec(json: string | undefined): TrialSpec {
  let spec: Partial<TrialSpec>;
  try {
    spec = JSON.parse(json ?? '') as Partial<TrialSpec>;
  } catch {
    throw new XpError('XP_SWEEP_BAD_TRIAL', `${TRIAL_SPEC_ENV} is not JSON; trial processes are started by \`xp sweep\` or \`xp worker\``);
  }
  const required = ['sweepId', 'parentRunId', 'experimentId', 'trialNumber', 'attempt', 'experimentFile', 'overrides', 'trackingUri', 'sweep'] as const;
  const missing = required.filter((k) => spec[k] === undefined);
  if (missing.length) throw new XpError('XP_SWEEP_BAD_TRIAL', `trial spec lacks ${missing.join(', ')}`);
  return spec as TrialSpec;
}

/** Tags of an attempt's run: nested under the parent in the MLflow UI, findable by trial number and attempt. */
export function trialTags(spec: TrialSpec): Record<string, string> {
  return {
    [SWEEP_TAGS.parent]: spec.parentRunId,
    [SWEEP_TAGS.sweepId]: spec.sweepId,
    [SWEEP_TAGS.trialNumber]: String(spec.trialNumber),
    [SWEEP_TAGS.trialParams]: JSON.stringify(spec.params),
    [SWEEP_TAGS.attempt]: spec.attempt,
  };
}
