import path from 'node:path';
import { loadPlugins } from '../plugins/load-plugins.js';
import { stateDir } from '../run/state-dir.js';
import { startTrialWorker } from '../sweep/worker.js';

/** Options of {@link workerCommand}. */
export interface WorkerCommandOptions {
  /** `redis://host:port[/db][?queue=name]`, as given to `xp sweep --queue`. */
  queue: string;
  /** Trials run at once. Defaults to 1. */
  concurrency?: number;
  /** Job lock duration; a dead worker's trial is retried after it. Defaults to XP_WORKER_LOCK_MS or 30 000. */
  lockDurationMs?: number;
  /** Stalled-job check interval. Defaults to XP_WORKER_STALLED_MS or 15 000. */
  stalledIntervalMs?: number;
  /** `--plugin` files this worker's trials load (checked here first). Defaults to none. */
  plugin?: string[];
}

const envMs = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

/**
 * `xp worker --queue redis://…`: runs sweep trials from the queue until SIGINT/SIGTERM, then stops its
 * running trials (their jobs go back to the queue for another worker) and resolves.
 *
 * @example await workerCommand({ queue: 'redis://10.0.0.5:6379', concurrency: 2 })
 */
export async function workerCommand(opts: WorkerCommandOptions): Promise<void> {
  // Loaded here only to fail fast on a bad plugin; each trial process loads the files again.
  const plugins = await loadPlugins(opts.plugin);
  const w = startTrialWorker({
    plugins: plugins.files,
    queue: opts.queue,
    concurrency: opts.concurrency,
    logDir: path.join(stateDir(), 'worker'),
    lockDurationMs: opts.lockDurationMs ?? envMs('XP_WORKER_LOCK_MS'),
    stalledIntervalMs: opts.stalledIntervalMs ?? envMs('XP_WORKER_STALLED_MS'),
    warm: process.env.XP_WORKER_WARM !== '0',
  });
  await w.worker.waitUntilReady();
  await new Promise<void>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      process.stderr.write(`${sig}: worker stopping; its running trials go back to the queue\n`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void w.close().finally(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
