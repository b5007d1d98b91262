import path from 'node:path';
import { notStarted, type TrialExecutor } from './executor.js';
import { threadEnv } from './threads.js';
import { startTrialProcess, type TrialExit, type TrialProcess } from './trial-process.js';
import type { TrialSpec } from './trial-spec.js';

/** Options of {@link LocalExecutor}. */
export interface LocalExecutorOptions {
  /** Trials running at once; each gets floor(cores / parallel) threads. */
  parallel: number;
  /** Folder of the trial logs (`<sweep id>/trial-<n>.log`). */
  logDir: string;
  /** Cores to share. Defaults to `os.availableParallelism()`. */
  cores?: number;
}

/**
 * Runs trials as child processes on this machine, each pinned to its share of the cores.
 *
 * Children never outlive the sweep: {@link close} stops them (SIGTERM, so their runs end KILLED), and if the
 * sweep process dies without closing, each child notices its stdin closing and stops itself.
 *
 * @example const ex = new LocalExecutor({ parallel: 2, logDir: '.xp/sweeps/abc' }); await ex.run(spec);
 */
export class LocalExecutor implements TrialExecutor {
  readonly description: string;
  private readonly live = new Set<TrialProcess>();
  private readonly env: Record<string, string>;
  private closed = false;

  constructor(private readonly o: LocalExecutorOptions) {
    this.env = threadEnv(o.parallel, o.cores);
    this.description = `local, ${o.parallel} at a time, ${this.env.TF_NUM_INTRAOP_THREADS} thread(s) each`;
  }

  async run(spec: TrialSpec): Promise<TrialExit> {
    // After close() nothing is left to stop a new child: a trial asked for meanwhile is not started.
    if (this.closed) return notStarted(spec);
    const now = Date.now();
    const p = startTrialProcess({ ...spec, enqueuedAt: now, pickedAt: now }, { env: this.env, logFile: path.join(this.o.logDir, spec.sweepId, `trial-${spec.trialNumber}.log`) });
    this.live.add(p);
    try {
      return await p.done;
    } finally {
      this.live.delete(p);
    }
  }

  /** Stops every running trial; safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((p) => p.stop()));
  }
}
