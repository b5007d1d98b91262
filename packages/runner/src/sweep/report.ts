// What a finished (or stopped) sweep leaves on its parent run: trials.csv, best_config.yaml, plots/, and the
// best value and trial counts as metrics.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadExperiment, paramOverrides, type SchemaExtensions, type SweepConfig } from '@xp/core';
import type { MlflowClient } from '../mlflow/index.js';
import { renderVegaLite } from '../reports/plots/render.js';
import { bestTrialTags } from './parent-params.js';
import { sweepPlots } from './plots.js';
import { bestTrial } from './trial-record.js';
import type { ParamValue, TrialRecord } from './types.js';

/** Trial counts by state. */
export function trialCounts(trials: readonly TrialRecord[]): { total: number; complete: number; pruned: number; failed: number; running: number } {
  const n = (s: TrialRecord['state']) => trials.filter((t) => t.state === s).length;
  return { total: trials.length, complete: n('COMPLETE'), pruned: n('PRUNED'), failed: n('FAILED'), running: n('RUNNING') };
}

const cell = (v: ParamValue | undefined): string => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * All trials as CSV (RFC 4180): number, run_id, state, one column per parameter (lists and mappings as JSON),
 * value (complete trials), epochs (intermediate values reported) and last_value (the last of them).
 *
 * @example trialsCsv([{ number: 0, state: 'COMPLETE', params: { lr: 0.01 }, value: 0.9, intermediate: { 0: 0.9 } }], ['lr'])
 *   // 'number,run_id,state,lr,value,epochs,last_value\n0,,COMPLETE,0.01,0.9,1,0.9\n'
 */
export function trialsCsv(trials: readonly TrialRecord[], paramNames: readonly string[]): string {
  const header = ['number', 'run_id', 'state', ...paramNames, 'value', 'epochs', 'last_value'];
  const rows = trials.map((t) => {
    const steps = Object.keys(t.intermediate).map(Number).sort((a, b) => a - b);
    const last = steps.length ? t.intermediate[steps[steps.length - 1]] : undefined;
    return [String(t.number), t.runId ?? '', t.state, ...paramNames.map((p) => cell(t.params[p])), cell(t.value), String(steps.length), cell(last)];
  });
  return [header.map((h) => cell(h)), ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

/**
 * The experiment with the best trial's params applied, fully resolved (no `extends`, defaults filled in), so
 * it runs as is with `xp run best_config.yaml` wherever it is saved. Loading it validates it.
 */
export async function bestConfigYaml(experimentFile: string, best: TrialRecord, note: string, extensions?: SchemaExtensions): Promise<string> {
  const exp = await loadExperiment(experimentFile, { overrides: paramOverrides(best.params), extensions });
  return `# ${note}\n${exp.resolvedYaml}`;
}

/** What {@link logSweepReport} needs. */
export interface SweepReportInput {
  client: MlflowClient;
  parentRunId: string;
  trials: readonly TrialRecord[];
  sweep: SweepConfig;
  sweepFile: string;
  experimentFile: string;
  /** `--plugin` entries the experiment uses. Defaults to none. */
  extensions?: SchemaExtensions;
  log: (msg: string) => void;
}

/** Logs the sweep's artifacts, metrics and best-trial tags (`best.<param>`, …) on the parent run; returns the best trial. */
export async function logSweepReport(r: SweepReportInput): Promise<TrialRecord | undefined> {
  const { client, parentRunId: id, trials, sweep } = r;
  const metric = sweep.metric.name;
  const best = bestTrial(trials, sweep.metric.goal);
  const c = trialCounts(trials);
  await client.logText(id, trialsCsv(trials, Object.keys(sweep.parameters)), 'trials.csv');
  await client.logMetrics(id, {
    trials_total: c.total, trials_complete: c.complete, trials_pruned: c.pruned, trials_failed: c.failed,
    ...(best ? { [`best_${metric}`]: best.value! } : {}),
  });
  if (best) {
    await client.setTags(id, { 'xp.best_trial': String(best.number), 'xp.best_run_id': best.runId ?? '', ...bestTrialTags(best, metric) });
    const note = `Best trial ${best.number} of sweep ${path.basename(r.sweepFile)}: ${metric} = ${best.value} (run ${best.runId}).`;
    await client.logText(id, await bestConfigYaml(r.experimentFile, best, note, r.extensions), 'best_config.yaml');
  }
  // Plots are a convenience: a rendering problem is reported, and the sweep still ends FINISHED.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xp-sweep-plots-'));
  try {
    for (const [name, spec] of Object.entries(sweepPlots(trials, sweep))) await writeFile(path.join(dir, `${name}.png`), (await renderVegaLite(spec)).png);
    await client.logArtifactDir(id, dir, 'plots');
  } catch (e) {
    r.log(`warning: sweep plots not logged: ${(e as Error).message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return best;
}
