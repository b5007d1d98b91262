// Helpers shared by the benchmark's Node scripts: argument parsing, timed slices, and the one-JSON-line-per-
// measurement protocol that run.mjs reads (the Python runners print the same shape; see bench_common.py).
/* global process, performance */

/**
 * Parses `--key value`, `--flag` and repeatable `--set a=b` arguments. Numbers stay strings; callers convert.
 *
 * @example parseArgs(['--quick', '--set', 'data.train.count=2000']) // { quick: true, set: ['data.train.count=2000'] }
 */
export function parseArgs(argv) {
  const out = { set: [], _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out._.push(a);
      continue;
    }
    const key = a.slice(2);
    const next = argv[i + 1];
    const value = next === undefined || next.startsWith('--') ? true : (i++, next);
    if (key === 'set') out.set.push(value);
    else out[key] = value;
  }
  return out;
}

/** Integer argument with a default; throws naming the flag when the value is not a positive integer. */
export function intArg(args, key, dflt) {
  if (args[key] === undefined) return dflt;
  const n = Number(args[key]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} must be a non-negative integer, got '${args[key]}'`);
  return n;
}

export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * How a throughput measurement is cut: `warmup` batches are discarded (graph building, allocator growth,
 * oneDNN primitive caches), then `slices` consecutive slices of `sliceBatches` batches are timed.
 */
export function slicePlan(warmup, slices, sliceBatches) {
  return { warmup, slices, sliceBatches, batches: warmup + slices * sliceBatches };
}

/**
 * Sequences/s of each timed slice, from batch-end timestamps (ms). `ends[i]` is the end of batch i (0-based).
 * The median of the slices is the steady-state throughput; slices are consecutive, so warm-up never leaks in.
 */
export function sliceRates(ends, plan, batchSize) {
  const rates = [];
  for (let j = 0; j < plan.slices; j++) {
    const from = ends[plan.warmup - 1 + j * plan.sliceBatches];
    const to = ends[plan.warmup - 1 + (j + 1) * plan.sliceBatches];
    rates.push((plan.sliceBatches * batchSize) / ((to - from) / 1000));
  }
  return rates;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Threads this process was started with (run.mjs sets the same variables for every runner). */
export function threadInfo() {
  const env = process.env;
  return {
    intra_op: Number(env.TF_NUM_INTRAOP_THREADS) || 'TF default',
    inter_op: Number(env.TF_NUM_INTEROP_THREADS) || 'TF default',
    onednn: env.TF_ENABLE_ONEDNN_OPTS ?? 'TF default (on)',
  };
}

let base = {};

/** Fields added to every record this process prints (e.g. the backend it runs on). */
export function setEmitBase(fields) {
  base = fields;
}

/** Prints one measurement as a JSON line on stdout (logs go to stderr, so stdout stays parseable). */
export function emit(record) {
  process.stdout.write(`${JSON.stringify({ ...record, ...base, peak_rss_mb: peakRssMb() })}\n`);
}

export const round = (x, d = 1) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

/**
 * A callback timing the wall time between epoch starts (list it first, so it sees an epoch before any tracking
 * callback acts).
 */
export function epochClock() {
  return {
    name: 'bench_epoch_clock',
    starts: [],
    end: 0,
    onEpochBegin() { this.starts.push(performance.now()); },
    onTrainEnd() { this.end = performance.now(); },
    /** Epoch durations in seconds, the first one dropped (it absorbs the switch between modes). */
    epochs() {
      const t = [...this.starts, this.end];
      return t.slice(2).map((x, i) => (x - t[i + 1]) / 1000);
    },
  };
}
