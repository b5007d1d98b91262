import { Queue, QueueEvents, type Job } from 'bullmq';
import { notStarted, type TrialExecutor } from './executor.js';
import { parseQueueUrl, TRIAL_JOB, trialJobId, type QueueTarget } from './queue.js';
import type { TrialExit } from './trial-process.js';
import type { TrialSpec } from './trial-spec.js';

/** BullMQ's failedReason for a job whose lock was lost more than `maxStalledCount` times. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * Why a trial's job failed for good, in the terms of what happened to its attempts: a lost attempt is one
 * whose worker died (its lock expired and the stalled-job check put the job back), a failed one is one whose
 * worker stopped gracefully and gave it back.
 *
 * @example queueFailureReason({ failedReason: 'job stalled more than allowable limit', attemptsMade: 1, stalledCounter: 4 })
 *   // '4 attempts, each lost with its worker (killed, or cut off from Redis, before the trial ended)'
 */
export function queueFailureReason(job: { failedReason?: string; attemptsMade: number; stalledCounter: number }): string {
  const n = (k: number, what: string) => `${k} attempt${k === 1 ? '' : 's'}${what}`;
  const lost = job.stalledCounter;
  if (job.failedReason?.includes(STALLED_TOO_OFTEN)) {
    // BullMQ fails such a job when a worker next takes it, and counts that as one attempt made: not a trial's.
    const failed = Math.max(0, job.attemptsMade - 1);
    const each = lost === 1 ? ', lost with its worker' : ', each lost with its worker';
    return `${n(lost, each)} (killed, or cut off from Redis, before the trial ended)${failed ? `; ${n(failed, '')} before that failed` : ''}`;
  }
  return `${n(job.attemptsMade, ' failed on the queue')}${lost ? ` and ${n(lost, '')} lost with their workers` : ''} (last: ${job.failedReason ?? 'no reason given'})`;
}

/** Jobs in these states will still run; re-adding their trial waits for them instead. */
const PENDING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
const KEEP = { age: 7 * 24 * 3600 };

/**
 * Runs trials through a BullMQ queue: each trial is a job that any `xp worker` (on any machine) takes.
 *
 * A worker that dies mid-trial loses its job lock; another worker's stalled-job check puts the job back and
 * it runs again as a new attempt (a new child run). A worker that stops gracefully fails the job, and BullMQ
 * retries it (3 attempts). Completed jobs are kept a week, so a wait never misses a finish notification.
 *
 * @example const ex = await QueueExecutor.open('redis://127.0.0.1:6379?queue=xp'); await ex.run(spec);
 */
export class QueueExecutor implements TrialExecutor {
  readonly description: string;
  private readonly sweeps = new Set<string>();
  private closing: Promise<void> | undefined;
  private readonly adding = new Set<Promise<unknown>>();
  // Resolved by close(): waits for running jobs end then (their events stop with the connection, so a wait
  // would never settle, and the sweep would exit without ending its parent run).
  private stopWaiting!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.stopWaiting = resolve));

  private constructor(
    private readonly target: QueueTarget,
    private readonly queue: Queue<TrialSpec, TrialExit>,
    private readonly events: QueueEvents,
  ) {
    this.description = `queue ${target.display}`;
  }

  /** Connects to the queue named by `url` (see parseQueueUrl). */
  static async open(url: string): Promise<QueueExecutor> {
    const target = parseQueueUrl(url);
    const queue = new Queue<TrialSpec, TrialExit>(target.queueName, { connection: target.connection });
    const events = new QueueEvents(target.queueName, { connection: target.connection });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new QueueExecutor(target, queue, events);
  }

  async run(spec: TrialSpec): Promise<TrialExit> {
    // After close() the connection is gone: a trial asked for meanwhile is not queued (resume queues it).
    if (this.closing) return notStarted(spec);
    this.sweeps.add(spec.sweepId);
    const id = trialJobId(spec);
    // close() waits for this, so that a job added while it runs is still taken off the queue.
    const queued = this.enqueue(spec, id);
    this.adding.add(queued);
    const job = await queued.finally(() => this.adding.delete(queued));
    try {
      const finished = job.waitUntilFinished(this.events) as Promise<TrialExit>;
      finished.catch(() => undefined); // once the coordinator stops waiting
      const left = this.stopped.then((): TrialExit => ({ ...notStarted(spec), tail: `the sweep stopped waiting; job ${id} goes on on its worker, and --resume finds its run` }));
      return await Promise.race([finished, left]);
    } catch (e) {
      // Failed for good: out of attempts, or stalled more often than allowed (workers kept dying).
      const failed = await this.queue.getJob(id).catch(() => undefined);
      return {
        trialNumber: spec.trialNumber, code: 1, signal: null, logFile: '',
        tail: `job ${id} failed on the queue: ${(e as Error).message}`,
        reason: queueFailureReason(failed ?? { failedReason: (e as Error).message, attemptsMade: 0, stalledCounter: 0 }),
      };
    }
  }

  /** The trial's job: the pending one of an earlier coordinator (a resumed sweep), else a new one. */
  private async enqueue(spec: TrialSpec, id: string): Promise<Job<TrialSpec, TrialExit>> {
    const job = await this.queue.getJob(id);
    if (job && PENDING.has(await job.getState())) return job;
    await job?.remove();
    return this.queue.add(TRIAL_JOB, { ...spec, enqueuedAt: Date.now() }, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: KEEP, removeOnFail: KEEP });
  }

  /** Removes this coordinator's jobs that no worker took yet (running ones finish and are found on resume). */
  close(): Promise<void> {
    this.stopWaiting();
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await Promise.allSettled([...this.adding]);
    const waiting = await this.queue.getJobs(['waiting', 'delayed', 'prioritized']);
    await Promise.all(waiting.filter((j) => j && this.sweeps.has(j.data.sweepId)).map((j) => j.remove().catch(() => undefined)));
    await this.events.close();
    await this.queue.close();
  }

  /** The queue's name (tests use a unique one each). */
  get queueName(): string {
    return this.target.queueName;
  }
}
