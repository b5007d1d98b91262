// The sweep coordinator: ask the sampler (with every trial so far, read from MLflow) → record the ask on the
// parent run → run the trial (local process or queue job) → read its outcome back from MLflow. It keeps no
// trial state of its own between steps, so a resumed coordinator is just a new one reading the same parent.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { configHash, paramOverrides, XpError, type LoadedExperiment, type LoadedSweep, type SweepConfig } from '@xp/core';
import { MlflowClient } from '../mlflow/index.js';
import type { TrialExecutor } from './executor.js';
import type { SweepProgress } from './progress.js';
import { sweepSettingsParams } from './parent-params.js';
import { logSweepReport } from './report.js';
import { createSampler } from './samplers/index.js';
import { SweepStore } from './sweep-store.js';
import { SWEEP_TAGS } from './trial-record.js';
import type { TrialExit } from './trial-process.js';
import type { TrialSpec } from './trial-spec.js';
import type { ParamValue, TrialRecord } from './types.js';

/** Options of {@link runSweep}. */
export interface SweepRunOptions {
  executor: TrialExecutor;
  /** The MLflow server every trial logs to (it must be reachable from the workers). */
  trackingUri: string;
  /** Continue the newest sweep of this file (same search space) instead of starting one. Defaults to false. */
  resume?: boolean;
  progress?: SweepProgress;
  /** Aborting stops asking for trials; the executor should be closed by whoever aborts. */
  signal?: AbortSignal;
  /** Defaults to stderr. */
  log?: (msg: string) => void;
  /** Absolute `--plugin` files, handed to every trial (a queue worker uses its own instead). Defaults to none. */
  plugins?: string[];
}

/** How a sweep ended. */
export interface SweepOutcome {
  parentRunId: string;
  experimentId: string;
  url: string;
  /** The experiment's runs table in the MLflow UI. */
  experimentUrl: string;
  status: 'FINISHED' | 'KILLED';
  trials: TrialRecord[];
  best?: TrialRecord;
}

/**
 * Identifies "the same sweep" for --resume: the search (experiment, metric, method, space, seed, early
 * termination) without `max_trials` and `parallel`, so a sweep can be resumed with a larger budget or on
 * more cores.
 */
export function sweepHash(config: SweepConfig): string {
  return configHash({ ...config, max_trials: undefined, parallel: undefined });
}

/** Runs (or resumes) a sweep to `max_trials` trials and logs its report on the parent run. */
export async function runSweep(sweep: LoadedSweep, o: SweepRunOptions): Promise<SweepOutcome> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const cfg = sweep.config;
  const exp = sweep.experiment;
  const client = new MlflowClient({ trackingUri: o.trackingUri });
  const store = new SweepStore(client, cfg.metric.name);
  const experimentId = await client.getOrCreateExperiment(exp.config.experiment, { headline: cfg.metric.name });
  const parentRunId = await openParent(store, sweep, exp, experimentId, o.resume ?? false);
  const url = client.runUrl(experimentId, parentRunId);
  log(`sweep ${path.basename(sweep.file)}: ${o.resume ? 'resuming' : 'started'} ${url} (${o.executor.description})`);

  const sampler = createSampler(cfg);
  // A grid may have fewer points than max_trials; it says how many through `size`.
  const limit = Math.min(cfg.max_trials, (sampler as { size?: number }).size ?? Infinity);
  const initial = await store.trials(parentRunId);
  // Trials without an outcome were interrupted (or, on a queue, may still be running: the executor then
  // waits for their job); they run again with the params they were asked with.
  const rerun = initial.filter((t) => t.state === 'RUNNING');
  if (rerun.length) log(`trials to run again (interrupted): ${rerun.map((t) => t.number).join(', ')}`);
  let next = initial.reduce((m, t) => Math.max(m, t.number + 1), 0);
  const inFlight = new Map<number, Promise<void>>();
  const aborted = () => o.signal?.aborted ?? false;

  const runOne = async (n: number, params: Record<string, ParamValue>) => {
    const spec: TrialSpec = {
      sweepId: parentRunId, parentRunId, experimentId, trialNumber: n, attempt: randomUUID(), params,
      experimentFile: exp.file, experimentYaml: exp.resolvedYaml, trackingUri: o.trackingUri, sweep: cfg, plugins: o.plugins ?? [],
      overrides: [...paramOverrides(params), `name=${exp.config.name}-trial-${n}`],
    };
    o.progress?.started(n, params);
    const exit = await o.executor.run(spec);
    let trials = await store.trials(parentRunId);
    if (!aborted() && trials.find((t) => t.number === n)?.state === 'RUNNING') {
      // The process ended without an outcome in MLflow (e.g. its overrides did not validate, so no run
      // exists). Record that, or a resume would run it again with the same result.
      await store.recordError(parentRunId, n, `${describeExit(exit)}\n${exit.tail}`);
      trials = await store.trials(parentRunId);
    }
    o.progress?.update(trials, eventLine(trials.find((t) => t.number === n), exit, cfg.metric.name));
  };

  const loop = async () => {
    while (!aborted()) {
      while (inFlight.size < cfg.parallel && !aborted()) {
        let trial: { number: number; params: Record<string, ParamValue> } | undefined = rerun.shift();
        if (!trial && next < limit) {
          const n = next++;
          const params = sampler.sample(n, await store.trials(parentRunId));
          await store.recordAsked(parentRunId, n, params);
          trial = { number: n, params };
        }
        if (!trial) break;
        // Stopped while this trial was being asked for: it stays asked (RUNNING), and --resume runs it.
        if (aborted()) break;
        const n = trial.number;
        inFlight.set(n, runOne(n, trial.params).finally(() => inFlight.delete(n)));
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
    await Promise.allSettled(inFlight.values());
  };
  try {
    await loop();
  } catch (e) {
    // MLflow or the queue failed under the coordinator: say so on the parent; --resume continues it.
    const state = `failed: ${String((e as Error).message).slice(0, 4000)} (continue with --resume)`;
    await client.setTags(parentRunId, { [SWEEP_TAGS.sweepState]: state }).catch(() => undefined);
    await client.setTerminated(parentRunId, 'FAILED').catch(() => undefined);
    throw e;
  }

  const trials = await store.trials(parentRunId);
  const status = aborted() ? 'KILLED' : 'FINISHED';
  const best = await logSweepReport({ client, parentRunId, trials, sweep: cfg, sweepFile: sweep.file, experimentFile: exp.file, extensions: exp.extensions, log });
  // A tag that the next state overwrites (MLflow's REST client here has no delete-tag): a resumed sweep must
  // not keep saying it was interrupted.
  await client.setTags(parentRunId, { [SWEEP_TAGS.sweepState]: status === 'KILLED' ? 'interrupted (continue with --resume)' : 'finished' });
  await client.setTerminated(parentRunId, status);
  return { parentRunId, experimentId, url, experimentUrl: client.experimentUrl(experimentId), status, trials, best };
}

async function openParent(store: SweepStore, sweep: LoadedSweep, exp: LoadedExperiment, experimentId: string, resume: boolean): Promise<string> {
  const hash = sweepHash(sweep.config);
  if (resume) {
    const found = await store.findParent(experimentId, hash);
    if (!found) {
      throw new XpError(
        'XP_SWEEP_NOT_FOUND',
        `no sweep of ${sweep.file} (search space ${hash}) in MLflow experiment '${exp.config.experiment}' to resume; run it without --resume to start one`,
      );
    }
    await store.client.store.updateRun(found.info.runId, { status: 'RUNNING' });
    await store.client.setTags(found.info.runId, { [SWEEP_TAGS.sweepState]: 'running', 'xp.sweep_max_trials': String(sweep.config.max_trials) });
    return found.info.runId;
  }
  const c = sweep.config;
  return store.createParent({
    experimentId,
    runName: path.basename(sweep.file).replace(/\.ya?ml$/i, ''),
    hash,
    sweepFile: path.relative(process.cwd(), sweep.file) || sweep.file,
    sweepYaml: await readFile(sweep.file, 'utf8'),
    params: sweepSettingsParams(c),
    tags: {
      'mlflow.source.name': path.relative(process.cwd(), sweep.file) || sweep.file,
      'mlflow.source.type': 'LOCAL',
      'mlflow.user': process.env.USER ?? os.userInfo().username,
      'mlflow.note.content': `Sweep of ${path.relative(process.cwd(), exp.file)}: ${c.method}, ${c.metric.goal} ${c.metric.name}, up to ${c.max_trials} trials.`,
      'xp.experiment_file': path.relative(process.cwd(), exp.file),
      [SWEEP_TAGS.sweepState]: 'running',
      'xp.sweep_method': c.method,
      'xp.sweep_metric': c.metric.name,
      'xp.sweep_max_trials': String(c.max_trials),
    },
  });
}

function describeExit(exit: TrialExit): string {
  if (exit.reason) return exit.reason;
  if (exit.signal) return `the trial process was ended by ${exit.signal}`;
  return exit.code === 2 ? 'the trial config did not validate (exit 2)' : `the trial process exited with ${exit.code}`;
}

function eventLine(t: TrialRecord | undefined, exit: TrialExit, metric: string): string {
  if (!t) return `trial ${exit.trialNumber}: no record (${describeExit(exit)})`;
  const run = t.runId ? ` (run ${t.runId.slice(0, 8)})` : '';
  if (t.state === 'COMPLETE') return `trial ${t.number} COMPLETE ${metric}=${t.value === undefined ? '-' : Number(t.value.toPrecision(6))}${run}`;
  if (t.state === 'FAILED') return `trial ${t.number} FAILED${run}: ${describeExit(exit)}; log ${exit.logFile || '-'}`;
  return `trial ${t.number} ${t.state}${run}`;
}
