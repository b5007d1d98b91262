// How a sweep is written into MLflow, and how it is read back. Everything the sweep knows lives in MLflow, so
// any process (coordinator, worker, a resumed coordinator) rebuilds the same trials from it:
// - the parent run carries one tag per asked trial, `xp.trial.<n>.params` (JSON), written *before* the trial
//   starts, so in-flight trials are visible to the sampler (a grid never hands out one point twice);
// - each attempt at a trial is a child run (tag `mlflow.parentRunId`, `xp.trial_number`); a retried trial
//   has several, and the one that ended decides its state.
import type { MlflowRunStatus } from '../mlflow/index.js';
import type { ParamValue, TrialRecord } from './types.js';

/** Tag keys of sweep runs. */
export const SWEEP_TAGS = {
  /** MLflow's own nesting tag: the UI shows a run under the run with this id. */
  parent: 'mlflow.parentRunId',
  /** `true` on a sweep's parent run. */
  sweep: 'xp.sweep',
  /** On the parent: hash of the sweep's search space, to find it again for --resume. */
  sweepHash: 'xp.sweep_hash',
  sweepFile: 'xp.sweep_file',
  /** On children: the parent run id (a sweep is identified by its parent run). */
  sweepId: 'xp.sweep_id',
  trialNumber: 'xp.trial_number',
  /** On children: the sampled params as JSON (exact types, unlike the flattened config params). */
  trialParams: 'xp.trial_params',
  /** On children: a unique id per attempt, so the attempt can find its own run. */
  attempt: 'xp.trial_attempt',
  /** Why a trial was pruned (`epoch N: reason`); present = pruned. The run itself ends FINISHED. */
  pruned: 'xp.pruned',
  /** Set by the trainer when a signal ended the run, and by xp when it ends a lost attempt's run. */
  killedBy: 'xp.killed_by',
  /** On the parent: `finished`, or `interrupted (…)` when the sweep was stopped. */
  sweepState: 'xp.sweep_state',
} as const;

/** Parent-run tag holding trial `n`'s sampled params. */
export const askedTag = (n: number) => `xp.trial.${n}.params`;
/** Parent-run tag recording why trial `n` failed without a run of its own (e.g. its config did not validate). */
export const errorTag = (n: number) => `xp.trial.${n}.error`;

/** One child run as the sweep needs it. */
export interface AttemptRun {
  runId: string;
  status: MlflowRunStatus;
  tags: Record<string, string>;
  startTime?: number;
  /** Latest value of the sweep metric. */
  value?: number;
  /** Sweep metric by step (= epoch, 0-based). */
  intermediate: Record<number, number>;
}

/** Asked trials and their errors, from the parent run's tags. */
export function askedTrials(parentTags: Readonly<Record<string, string>>): Map<number, { params: Record<string, ParamValue>; error?: string }> {
  const out = new Map<number, { params: Record<string, ParamValue>; error?: string }>();
  for (const [key, value] of Object.entries(parentTags)) {
    const m = /^xp\.trial\.(\d+)\.params$/.exec(key);
    if (m) out.set(Number(m[1]), { params: parseParams(value), error: parentTags[errorTag(Number(m[1]))] });
  }
  return out;
}

/** Params from their JSON tag; {} when missing or unreadable (an old or hand-made run). */
export function parseParams(json: string | undefined): Record<string, ParamValue> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, ParamValue>) : {};
  } catch {
    return {};
  }
}

/**
 * What one attempt says about its trial. KILLED without a pruned tag means interrupted (a signal, a lost
 * worker): not an outcome, the trial is still to be run. `open` = RUNNING in MLflow.
 */
export function attemptOutcome(run: AttemptRun): 'COMPLETE' | 'PRUNED' | 'FAILED' | 'open' | 'interrupted' {
  if (run.tags[SWEEP_TAGS.pruned] !== undefined) return 'PRUNED';
  if (run.status === 'FINISHED') return 'COMPLETE';
  if (run.status === 'FAILED') return 'FAILED';
  if (run.status === 'RUNNING' || run.status === 'SCHEDULED') return 'open';
  return 'interrupted';
}

const RANK = { COMPLETE: 0, PRUNED: 0, FAILED: 1, open: 2, interrupted: 3 } as const;

/**
 * Merges what is known of trial `number` into one record: the attempt that ended (COMPLETE/PRUNED, then
 * FAILED) decides, else a running attempt; with neither, a recorded error makes it FAILED and otherwise it is
 * still RUNNING (asked, or interrupted, and to be run again).
 */
export function mergeTrial(
  number: number,
  asked: { params: Record<string, ParamValue>; error?: string } | undefined,
  attempts: readonly AttemptRun[],
): TrialRecord {
  const sorted = [...attempts].sort((a, b) => RANK[attemptOutcome(a)] - RANK[attemptOutcome(b)] || (b.startTime ?? 0) - (a.startTime ?? 0));
  const run = sorted[0];
  const params = asked?.params ?? parseParams(run?.tags[SWEEP_TAGS.trialParams]);
  const outcome = run ? attemptOutcome(run) : 'interrupted';
  const base = { number, params, intermediate: run?.intermediate ?? {}, runId: run?.runId };
  if (outcome === 'COMPLETE') return { ...base, state: 'COMPLETE', value: run.value };
  if (outcome === 'PRUNED' || outcome === 'FAILED') return { ...base, state: outcome };
  return { ...base, state: asked?.error !== undefined && outcome !== 'open' ? 'FAILED' : 'RUNNING' };
}

/** Whether a trial has its final state (finished trials never change). */
export const isFinal = (t: TrialRecord) => t.state !== 'RUNNING';

/** The best complete trial (ties: the earlier one), or undefined. */
export function bestTrial(trials: readonly TrialRecord[], goal: 'maximize' | 'minimize'): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.value === undefined || !Number.isFinite(t.value)) continue;
    if (!best || (goal === 'maximize' ? t.value > best.value! : t.value < best.value!) || (t.value === best.value && t.number < best.number)) best = t;
  }
  return best;
}
