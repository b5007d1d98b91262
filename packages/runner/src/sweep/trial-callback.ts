import type { Callback, CallbackTarget, Logs } from '../callbacks/callback.js';
import { SWEEP_TAGS } from './trial-record.js';
import type { SweepStore } from './sweep-store.js';
import type { TrialSpec } from './trial-spec.js';
import type { Pruner, TrialRecord } from './types.js';

/** Options of {@link TrialPruning}. */
export interface TrialPruningOptions {
  spec: TrialSpec;
  pruner: Pruner;
  /** Where the other trials' history is read from (and the pruned tag written). */
  store: SweepStore;
  /** Epochs the trial trains. After the last one nothing is decided: stopping then saves nothing. Defaults to no limit. */
  epochs?: number;
  /** Defaults to stderr. */
  log?: (msg: string) => void;
}

/**
 * Asks the sweep's pruner at each epoch end whether this trial should stop.
 *
 * The decision needs every trial's intermediate values, which it reads from MLflow (the sweep's storage), so
 * it is the same in a local child process and on any worker. A pruned trial gets the tag `xp.pruned`
 * (`epoch N: reason`) *before* training stops, then ends normally (FINISHED, test metrics logged): the tag,
 * not the status, marks it pruned, so there is no moment at which it looks complete.
 * A failed read of the history is reported and the trial continues: a pruner is an optimisation.
 *
 * @example runExperiment(exp, { tags: trialTags(spec), callbacks: [new TrialPruning({ spec, pruner, store })] })
 */
export class TrialPruning implements Callback {
  readonly name = 'sweep_pruner';
  /** Why this trial was pruned, once it was. */
  pruned: string | undefined;
  private target: CallbackTarget | undefined;
  private intermediate: Record<number, number> = {};
  private warned = false;
  private readonly log: (msg: string) => void;

  constructor(private readonly o: TrialPruningOptions) {
    this.log = o.log ?? ((m) => process.stderr.write(`${m}\n`));
  }

  setTarget(target: CallbackTarget): void {
    this.target = target;
  }

  onTrainBegin(): void {
    this.intermediate = {};
    this.pruned = undefined;
    this.warned = false;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const { spec, pruner, store } = this.o;
    const value = logs[spec.sweep.metric.name];
    if (value === undefined || !Number.isFinite(value)) {
      if (!this.warned) this.log(`${this.name}: no finite '${spec.sweep.metric.name}' in the epoch logs (${Object.keys(logs).join(', ')}); not pruning`);
      this.warned = true;
      return;
    }
    this.intermediate[epoch] = value;
    if (this.o.epochs !== undefined && epoch >= this.o.epochs - 1) return;
    const self: TrialRecord = { number: spec.trialNumber, params: spec.params, state: 'RUNNING', intermediate: { ...this.intermediate } };
    try {
      const others = (await store.trials(spec.parentRunId)).filter((t) => t.number !== spec.trialNumber);
      const decision = pruner.shouldPrune(self, epoch, [...others, self].sort((a, b) => a.number - b.number));
      if (!decision.prune) return;
      const reason = `epoch ${epoch + 1}: ${decision.reason ?? pruner.name}`;
      const runId = await store.attemptRunId(spec.experimentId, spec.attempt);
      // Without the tag the trial would read as complete: no tag, no pruning.
      if (!runId) throw new Error(`no run with ${SWEEP_TAGS.attempt}=${spec.attempt} yet`);
      await store.client.setTags(runId, { [SWEEP_TAGS.pruned]: reason });
      this.pruned = reason;
      if (!this.target) throw new Error(`${this.name}: no target; the trainer must call setTarget before training.`);
      this.target.stopTraining = true;
      this.target.stopReason = `${this.name}: pruned at ${reason}`;
      this.log(`trial ${spec.trialNumber} pruned at ${reason}`);
    } catch (e) {
      this.log(`warning: ${this.name} could not decide (training continues): ${(e as Error).message}`);
    }
  }
}
