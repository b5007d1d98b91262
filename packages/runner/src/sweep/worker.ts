import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { parseQueueUrl } from './queue.js';
import { threadEnv } from './threads.js';
import { startTrialProcess, startWarmTrialProcess, type TrialExit, type TrialProcess, type WarmTrialProcess } from './trial-process.js';
import type { TrialSpec } from './trial-spec.js';

/** Options of {@link startTrialWorker}. */
export interface TrialWorkerOptions {
  /** `redis://host:port[/db][?queue=name]`. */
  queue: string;
  /** Trials this worker runs at once; each gets floor(cores / concurrency) threads. Defaults to 1. */
  concurrency?: number;
  /** Folder of the trial logs. */
  logDir: string;
  /**
   * How long a job stays locked without renewal. A dead worker's trial is retried this long (plus up to
   * `stalledIntervalMs`) after it died. Defaults to 30 000 (BullMQ's default).
   */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. Defaults to 15 000. */
  stalledIntervalMs?: number;
  /**
   * Keep a warm trial process per slot (TensorFlow and MNIST loaded, waiting), so that a job starts training
   * without that start-up; each still runs one trial. Costs one idle process's memory per slot. Defaults to
   * true; XP_WORKER_WARM=0 turns it off.
   */
  warm?: boolean;
  /** Defaults to stderr. */
  log?: (msg: string) => void;
  /** Absolute `--plugin` files of this worker, loaded by its trials. Defaults to none. */
  plugins?: string[];
}

/** A running worker. */
export interface TrialWorker {
  readonly worker: Worker<TrialSpec, TrialExit>;
  /** Stops taking jobs, stops the running trials (their jobs go back to the queue), disconnects. */
  close(): Promise<void>;
}

/**
 * Takes trial jobs from the queue and runs each as a child process, like the local executor does.
 *
 * A trial that ends in any way (finished, failed, pruned) completes its job with its {@link TrialExit}. A
 * trial stopped because this worker is shutting down fails the job instead, so BullMQ gives it to another
 * worker. A worker killed outright is covered by BullMQ's stalled-job check, run by the other workers: up to
 * 3 lost locks per job (`maxStalledCount`) before the job fails for good.
 *
 * @example const w = startTrialWorker({ queue: 'redis://127.0.0.1:6379', logDir: '.xp/worker' }); … await w.close();
 */
export function startTrialWorker(o: TrialWorkerOptions): TrialWorker {
  const target = parseQueueUrl(o.queue);
  const concurrency = o.concurrency ?? 1;
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const env = threadEnv(concurrency);
  const live = new Set<TrialProcess>();
  let closing = false;
  const warm = o.warm ?? true;
  const spares: WarmTrialProcess[] = [];
  let spareCount = 0;
  // One spare per slot, so that each slot's next job finds one ready.
  const refill = () => {
    while (warm && !closing && spares.length < concurrency) {
      spares.push(startWarmTrialProcess({ env, logFile: path.join(o.logDir, 'warm', `warm-${process.pid}-${spareCount++}.log`) }));
    }
  };

  /**
   * The trial in a spare process when one takes it, else in a new process. The next spare is started once
   * this trial trains (or ends), so that its warm-up does not compete with this trial's start-up for CPU.
   */
  const startTrial = async (spec: TrialSpec, logFile: string, tag: string): Promise<TrialProcess> => {
    const spare = spares.shift();
    // A hand-over that fails (the spare died, its log went missing) falls back to a fresh process.
    const p = await spare?.run(spec, logFile).catch(() => void spare.dispose());
    if (p) {
      void Promise.race([spare!.training, p.done]).then(refill);
      return p;
    }
    refill();
    if (spare) log(`${tag}: the warm process could not take it; starting a fresh one`);
    return startTrialProcess(spec, { env, logFile });
  };

  const processor = async (job: Job<TrialSpec, TrialExit>): Promise<TrialExit> => {
    // A fresh attempt id per take: a stalled job comes back with the same data, but is a new attempt (new run).
    // The worker's own --plugin files, never the job's: which code runs on a machine is decided by whoever
    // starts the worker there, not by a message on the queue.
    const spec: TrialSpec = { ...job.data, attempt: randomUUID(), plugins: o.plugins ?? [], pickedAt: Date.now() };
    const tag = `sweep ${spec.sweepId.slice(0, 8)} trial ${spec.trialNumber}`;
    log(`${tag}: starting (job ${job.id}, attempt ${job.attemptsMade + 1}${job.stalledCounter ? `, stalled ${job.stalledCounter}×` : ''})`);
    const p = await startTrial(spec, path.join(o.logDir, spec.sweepId, `trial-${spec.trialNumber}-${spec.attempt}.log`), tag);
    live.add(p);
    try {
      const exit = await p.done;
      if (closing) throw new Error(`worker ${os.hostname()}:${process.pid} shut down during the trial; retrying elsewhere`);
      log(`${tag}: exited ${exit.code ?? exit.signal} (log ${exit.logFile})`);
      return exit;
    } finally {
      live.delete(p);
    }
  };

  const worker = new Worker<TrialSpec, TrialExit>(target.queueName, processor, {
    connection: target.connection,
    concurrency,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 15_000,
    maxStalledCount: 3,
  });
  worker.on('error', (e) => log(`worker: ${e.message}`));
  refill();
  log(`worker: taking trials from ${target.display}, ${concurrency} at a time, ${env.TF_NUM_INTRAOP_THREADS} thread(s) each${warm ? ', warm' : ''}`);

  return {
    worker,
    async close() {
      closing = true;
      const pausing = worker.pause(true);
      await Promise.all([...[...live].map((p) => p.stop()), ...spares.splice(0).map((w) => w.dispose())]);
      await pausing;
      await worker.close();
    },
  };
}
