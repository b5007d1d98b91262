import path from 'node:path';
import { loadSweep } from '@xp/core';
import { loadPlugins } from '../plugins/load-plugins.js';
import { registerCommand } from './register-command.js';
import { stateDir } from '../run/state-dir.js';
import { trackingTarget } from '../run/tracking-target.js';
import type { TrialExecutor } from '../sweep/executor.js';
import { LocalExecutor } from '../sweep/local-executor.js';
import { createSweepProgress, formatParams } from '../sweep/progress.js';
import { QueueExecutor } from '../sweep/queue-executor.js';
import { sweepHeadline } from '../sweep/sweep-headline.js';
import { runSweep, type SweepOutcome } from '../sweep/sweep-runner.js';

/** Options of {@link sweepCommand}. */
export interface SweepCommandOptions {
  /** Continue the newest sweep of this file instead of starting a new one. Defaults to false. */
  resume?: boolean;
  /** `redis://host:port[/db][?queue=name]`: hand trials to `xp worker` processes instead of running them here. */
  queue?: string;
  /** `--plugin` files: the experiment is validated with them, and local trials load them. Defaults to none. */
  plugin?: string[];
  /**
   * `--register-best [name]`: register the best trial's logged model in the Model Registry once the sweep has
   * finished, as `name` (`true`: the experiment's `name`). Defaults to no registration.
   */
  registerBest?: string | boolean;
  /** `--alias`: the registry alias pointed at that version. */
  alias?: string;
}

/**
 * `xp sweep <file>`: runs a hyperparameter sweep; prints the parent run's URL on stdout.
 *
 * Ctrl-C (or SIGTERM) stops asking for trials, stops the local trials (their runs end KILLED) and ends the
 * parent run KILLED with its report so far; `--resume` continues it. A second Ctrl-C exits at once.
 *
 * @example await sweepCommand('experiments/mnist-seq/sweeps/lr-dropout.yaml', { queue: 'redis://127.0.0.1:6379' })
 */
export async function sweepCommand(file: string, opts: SweepCommandOptions = {}): Promise<SweepOutcome> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const plugins = await loadPlugins(opts.plugin);
  const sweep = await loadSweep(file, { extensions: plugins.extensions, headline: sweepHeadline(plugins.registries) });
  const target = await trackingTarget(log);
  const executor: TrialExecutor = opts.queue
    ? await QueueExecutor.open(opts.queue)
    : new LocalExecutor({ parallel: sweep.config.parallel, logDir: path.join(stateDir(), 'sweeps') });
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) process.exit(130);
    log(`\n${sig}: stopping the sweep (again to exit at once)…`);
    ac.abort();
    void executor.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const { metric } = sweep.config;
  const progress = createSweepProgress({ total: sweep.config.max_trials, metric: metric.name, goal: metric.goal });
  try {
    const outcome = await runSweep(sweep, { executor, trackingUri: target.url, resume: opts.resume, progress, signal: ac.signal, log, plugins: plugins.files });
    progress.stop();
    const b = outcome.best;
    log(b ? `best: trial ${b.number}, ${metric.name} = ${b.value} (${formatParams(b.params)}); best_config.yaml is on the sweep run` : 'no trial completed');
    log(`sweep ${outcome.status === 'FINISHED' ? 'finished' : 'stopped (continue with --resume)'}: ${outcome.url}`);
    log(`MLflow experiment: ${outcome.experimentUrl}`);
    if (opts.registerBest && outcome.status === 'FINISHED' && b?.runId) {
      const name = typeof opts.registerBest === 'string' ? opts.registerBest : sweep.experiment.config.name;
      await registerCommand(b.runId, { name, alias: opts.alias, trackingUri: target.url, log });
    } else if (opts.registerBest) {
      log('--register-best: nothing registered (no trial completed, or the sweep was stopped)');
    }
    // The sweep's URL last: scripts read it from the end of stdout.
    process.stdout.write(`${outcome.url}\n`);
    if (outcome.status === 'KILLED') process.exitCode = 130;
    return outcome;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await executor.close();
  }
}
