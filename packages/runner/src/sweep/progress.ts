import cliProgress from 'cli-progress';
import { trialCounts } from './report.js';
import { bestTrial } from './trial-record.js';
import type { Goal, ParamValue, TrialRecord } from './types.js';

/** What the sweep tells its display. */
export interface SweepProgress {
  /** A trial (re)started with these params. */
  started(n: number, params: Record<string, ParamValue>): void;
  /** The trials as now read from MLflow, and what just happened (a line such as "trial 3 COMPLETE …"). */
  update(trials: readonly TrialRecord[], event: string): void;
  stop(): void;
}

const num = (v: number | undefined) => (v === undefined ? '-' : Number(v.toPrecision(4)).toString());

/** Compact `k=v` list of params for one line. */
export function formatParams(params: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'number' ? num(v) : JSON.stringify(v)}`)
    .join(' ');
}

/**
 * One status line: how many trials are running, done, pruned, failed, and the best value so far.
 * @example statusLine(trials, 40, 'val_exact_match', 'maximize') // '12/40 done (2 running, 3 pruned, 0 failed) | best val_exact_match 0.9312 (trial 7)'
 */
export function statusLine(trials: readonly TrialRecord[], total: number, metric: string, goal: Goal): string {
  const c = trialCounts(trials);
  const best = bestTrial(trials, goal);
  const done = c.complete + c.pruned + c.failed;
  const bestText = best ? `best ${metric} ${num(best.value)} (trial ${best.number})` : `best ${metric} -`;
  return `${done}/${total} done (${c.running} running, ${c.pruned} pruned, ${c.failed} failed) | ${bestText}`;
}

/**
 * The sweep's display: a bar of finished trials with the counts and the best value on a TTY; otherwise one
 * plain line per event with the status (CI logs stay readable).
 */
export function createSweepProgress(o: { total: number; metric: string; goal: Goal; stream?: NodeJS.WriteStream }): SweepProgress {
  const stream = o.stream ?? process.stderr;
  if (!stream.isTTY) {
    return {
      started: (n, params) => stream.write(`trial ${n} started: ${formatParams(params)}\n`),
      update: (trials, event) => stream.write(`${event} | ${statusLine(trials, o.total, o.metric, o.goal)}\n`),
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar(
    { stream, format: 'trials [{bar}] {status}', hideCursor: true, clearOnComplete: false, stopOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(o.total, 0, { status: statusLine([], o.total, o.metric, o.goal) });
  return {
    started: (n, params) => multi.log(`trial ${n} started: ${formatParams(params)}\n`),
    update(trials, event) {
      const c = trialCounts(trials);
      multi.log(`${event}\n`);
      bar.setTotal(Math.max(o.total, c.total));
      bar.update(c.complete + c.pruned + c.failed, { status: statusLine(trials, o.total, o.metric, o.goal) });
    },
    stop: () => multi.stop(),
  };
}
