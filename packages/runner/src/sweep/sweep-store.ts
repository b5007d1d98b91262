// The sweep's storage is MLflow (see trial-record.ts for the layout). Like Optuna's storages, finished runs
// are immutable, so their records are cached; anything still running is re-read on every call.
import type { MlflowClient, MlflowRun } from '../mlflow/index.js';
import { askedTag, askedTrials, errorTag, mergeTrial, SWEEP_TAGS, type AttemptRun } from './trial-record.js';
import type { ParamValue, TrialRecord } from './types.js';

/** MLflow's search syntax needs backquotes around keys with dots; values are single-quoted. */
const q = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
const tagIs = (key: string, value: string) => `tags.\`${key}\` = ${q(value)}`;

/** What a new parent run gets. */
export interface NewParent {
  experimentId: string;
  runName: string;
  hash: string;
  sweepFile: string;
  sweepYaml: string;
  tags?: Record<string, string>;
  /** The sweep's settings (sweepSettingsParams). */
  params?: Record<string, string>;
}

/** Reads and writes one metric's sweeps in MLflow. */
export class SweepStore {
  private readonly finished = new Map<string, AttemptRun>();

  /**
   * @param client - Client of the tracking server every trial logs to.
   * @param metric - The sweep metric: a trial's value and intermediate values are read from it.
   */
  constructor(
    readonly client: MlflowClient,
    readonly metric: string,
  ) {}

  /** Creates the parent run (status RUNNING) with its tags and the sweep file as `sweep.yaml`; returns its id. */
  async createParent(p: NewParent): Promise<string> {
    const run = await this.client.createRun({
      experimentId: p.experimentId,
      runName: p.runName,
      tags: { [SWEEP_TAGS.sweep]: 'true', [SWEEP_TAGS.sweepHash]: p.hash, [SWEEP_TAGS.sweepFile]: p.sweepFile, ...p.tags },
    });
    const id = run.info.runId;
    await this.client.logBatch(id, { tags: { [SWEEP_TAGS.sweepId]: id }, params: p.params });
    await this.client.logText(id, p.sweepYaml, 'sweep.yaml');
    return id;
  }

  /** The newest parent run of the sweep with this hash in the experiment, or null. */
  async findParent(experimentId: string, hash: string): Promise<MlflowRun | null> {
    const runs = await this.client.searchRuns({
      experimentIds: [experimentId],
      filter: `${tagIs(SWEEP_TAGS.sweep, 'true')} and ${tagIs(SWEEP_TAGS.sweepHash, hash)}`,
      orderBy: ['attributes.start_time DESC'],
      maxResults: 10,
    });
    return runs[0] ?? null;
  }

  /** Records trial `n`'s params on the parent before the trial starts. */
  async recordAsked(parentRunId: string, n: number, params: Record<string, ParamValue>): Promise<void> {
    await this.client.setTags(parentRunId, { [askedTag(n)]: JSON.stringify(params) });
  }

  /** Records why trial `n` failed when it has no run to say so (e.g. its overrides did not validate). */
  async recordError(parentRunId: string, n: number, message: string): Promise<void> {
    await this.client.setTags(parentRunId, { [errorTag(n)]: message.slice(-4000) || 'failed' });
  }

  /** Every trial of the sweep, by number. */
  async trials(parentRunId: string): Promise<TrialRecord[]> {
    const parent = await this.client.getRun(parentRunId);
    const asked = askedTrials(parent.data.tags);
    const byNumber = new Map<number, AttemptRun[]>();
    for (const a of await this.attempts(parent.info.experimentId, parentRunId)) {
      const n = Number(a.tags[SWEEP_TAGS.trialNumber]);
      if (Number.isInteger(n)) byNumber.set(n, [...(byNumber.get(n) ?? []), a]);
    }
    const numbers = [...new Set([...asked.keys(), ...byNumber.keys()])].sort((a, b) => a - b);
    return numbers.map((n) => mergeTrial(n, asked.get(n), byNumber.get(n) ?? []));
  }

  /** Child runs of trial `n` with the given status. */
  async runsOf(parentRunId: string, n: number, status?: 'RUNNING'): Promise<MlflowRun[]> {
    const parent = await this.client.getRun(parentRunId);
    return this.client.searchRuns({
      experimentIds: [parent.info.experimentId],
      filter: [tagIs(SWEEP_TAGS.parent, parentRunId), tagIs(SWEEP_TAGS.trialNumber, String(n)), ...(status ? [`attributes.status = '${status}'`] : [])].join(' and '),
    });
  }

  /**
   * Ends every RUNNING run of trial `n` as KILLED, tagged with `why`. Call only when no other attempt can be
   * alive: a trial runs one attempt at a time (the coordinator starts it once; BullMQ's job lock gives a
   * retried job to one worker), so a RUNNING run found when a new attempt starts belongs to a lost process.
   */
  async killLostAttempts(parentRunId: string, n: number, why: string): Promise<string[]> {
    const lost = await this.runsOf(parentRunId, n, 'RUNNING');
    for (const r of lost) {
      await this.client.setTags(r.info.runId, { [SWEEP_TAGS.killedBy]: why });
      await this.client.setTerminated(r.info.runId, 'KILLED');
    }
    return lost.map((r) => r.info.runId);
  }

  /** The run of one attempt (by its attempt id), or undefined while it does not exist yet. */
  async attemptRunId(experimentId: string, attempt: string): Promise<string | undefined> {
    const runs = await this.client.searchRuns({ experimentIds: [experimentId], filter: tagIs(SWEEP_TAGS.attempt, attempt), maxResults: 1 });
    return runs[0]?.info.runId;
  }

  private async attempts(experimentId: string, parentRunId: string): Promise<AttemptRun[]> {
    const runs = await this.client.searchRuns({ experimentIds: [experimentId], filter: tagIs(SWEEP_TAGS.parent, parentRunId) });
    return Promise.all(
      runs.map(async (r) => {
        const cached = this.finished.get(r.info.runId);
        if (cached) return cached;
        const history = await this.client.getMetricHistory(r.info.runId, this.metric);
        const a: AttemptRun = {
          runId: r.info.runId,
          status: r.info.status,
          tags: r.data.tags,
          startTime: r.info.startTime,
          value: r.data.metrics.find((m) => m.key === this.metric)?.value,
          intermediate: Object.fromEntries(history.map((m) => [m.step, m.value])),
        };
        if (r.info.status !== 'RUNNING' && r.info.status !== 'SCHEDULED') this.finished.set(a.runId, a);
        return a;
      }),
    );
  }
}
