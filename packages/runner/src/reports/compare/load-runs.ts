// Fetches what `xp compare` shows: the runs named on the command line (whole experiments or single runs),
// their params, latest metrics and the per-epoch histories the table and curves need.
import { XpError } from '@xp/core';
import { mapLimit } from '../../mlflow/artifacts.js';
import { MlflowApiError } from '../../mlflow/errors.js';
import type { MlflowClient } from '../../mlflow/tracking-client.js';
import type { MlflowRun, MlflowRunInfo } from '../../mlflow/types.js';
import { headlineOf } from './run-headline.js';

/** Metrics whose whole history is fetched for every run: `loss` counts the epochs run; `val_loss` is plotted. */
export const HISTORY_KEYS = ['loss', 'val_loss'] as const;

/** The histories fetched for one run: {@link HISTORY_KEYS} and its headline (best over epochs, plotted). */
export function historyKeys(run: Pick<CompareRunData, 'tags'>): string[] {
  return [...new Set<string>([...HISTORY_KEYS, headlineOf(run.tags).metric])];
}

/** One point of a metric history. */
export interface HistoryPoint {
  step: number;
  value: number;
}

/** One run as the comparison sees it (plain data, so the pure modules are tested without a server). */
export interface CompareRunData {
  info: MlflowRunInfo;
  params: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  /** The run's tags (`xp.headline_metric` and `xp.headline_mode` say what it is judged by). */
  tags: Record<string, string>;
  /** Histories of {@link historyKeys}, sorted by step, one point per step. */
  history: Record<string, HistoryPoint[]>;
}

/** The runs to compare, oldest first, and the names of their experiments by id. */
export interface LoadedRuns {
  runs: CompareRunData[];
  experiments: Record<string, string>;
}

const RUN_ID = /^[0-9a-f]{32}$/i;

/** True when a target is a run id (32 hex digits) rather than an experiment name. */
export function isRunId(target: string): boolean {
  return RUN_ID.test(target);
}

/**
 * Resolves targets (experiment names: all their active runs; run ids: that run) and loads each run once,
 * sorted by start time. Throws an XpError naming the target that matches nothing.
 */
export async function loadCompareRuns(client: MlflowClient, targets: readonly string[]): Promise<LoadedRuns> {
  const byId = new Map<string, MlflowRun>();
  const experiments: Record<string, string> = {};
  for (const target of targets) {
    if (isRunId(target)) {
      const run = await getRunOrNull(client, target);
      if (!run) throw new XpError('XP_COMPARE_NOT_FOUND', `no MLflow run with id ${target} at ${client.trackingUri}; check the id (the run page's URL ends with it)`);
      byId.set(run.info.runId, run);
      continue;
    }
    const exp = await client.store.getExperimentByName(target);
    if (!exp) {
      throw new XpError(
        'XP_COMPARE_NOT_FOUND',
        `no MLflow experiment named '${target}' at ${client.trackingUri}; pass an experiment name (the \`experiment:\` of a config) or a 32-hex-digit run id`,
      );
    }
    experiments[exp.experimentId] = exp.name;
    const runs = await client.searchRuns({ experimentIds: [exp.experimentId], runViewType: 'ACTIVE_ONLY' });
    // A sweep's parent run has no params of its own: comparing it with trainings would mark every param as
    // differing. Name a parent by run id to include it.
    for (const run of runs) if (run.data.tags['xp.sweep'] !== 'true') byId.set(run.info.runId, run);
  }
  if (byId.size === 0) throw new XpError('XP_COMPARE_NO_RUNS', `no runs to compare in ${targets.join(', ')}: the experiments have no active runs yet`);
  for (const run of byId.values()) {
    const id = run.info.experimentId;
    experiments[id] ??= await client.store.getExperiment(id).then((e) => e.name, () => id);
  }
  const runs = [...byId.values()].sort((a, b) => (a.info.startTime ?? 0) - (b.info.startTime ?? 0));
  const out: CompareRunData[] = runs.map((r) => ({
    info: r.info,
    params: r.data.params,
    metrics: Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value])),
    tags: r.data.tags,
    history: {},
  }));
  // A handful of requests in flight: fast on a remote server without flooding a local one.
  await mapLimit(out.flatMap((run) => historyKeys(run).map((key) => ({ run, key }))), 4, async ({ run, key }) => {
    run.history[key] = byStep(await client.getMetricHistory(run.info.runId, key));
  });
  return { runs: out, experiments };
}

/** Sorted by step, keeping the latest-logged value of a step logged twice (a resumed run re-logs epochs). */
export function byStep(points: ReadonlyArray<{ step: number; value: number; timestamp?: number }>): HistoryPoint[] {
  const latest = new Map<number, { value: number; timestamp: number }>();
  for (const p of points) {
    const seen = latest.get(p.step);
    if (!seen || (p.timestamp ?? 0) >= seen.timestamp) latest.set(p.step, { value: p.value, timestamp: p.timestamp ?? 0 });
  }
  return [...latest.entries()].sort((a, b) => a[0] - b[0]).map(([step, v]) => ({ step, value: v.value }));
}

async function getRunOrNull(client: MlflowClient, runId: string): Promise<MlflowRun | null> {
  try {
    return await client.getRun(runId);
  } catch (e) {
    if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
    throw e;
  }
}
