// Wall-clock marks of a run's start-up, logged as `xp.timing.<mark>` tags (milliseconds since the Unix
// epoch), so that where the time before training goes can be read from MLflow: for a sweep trial, how long
// it queued, how long its process took to start and load TensorFlow, and what came after until the first
// batch. Marks from different machines (a coordinator's `enqueued`, a worker's `picked`) are only as
// comparable as their clocks.
import { performance } from 'node:perf_hooks';

/** The tag prefix of timing marks. */
export const TIMING_TAG_PREFIX = 'xp.timing.';

/**
 * Marks of a run's start-up, in the order they happen; each is optional, a caller sets what it knows.
 * `xp run` logs process_started … training_started; a sweep trial adds enqueued, picked and main_started.
 */
export interface TimingMarks {
  /** The coordinator handed the trial to its executor (queued it, or started it locally). */
  enqueued?: number;
  /** A worker (or the local executor) took the trial and is starting its process. */
  picked?: number;
  /** The run's process started (node's `performance.timeOrigin`); for a warm trial process, before its trial existed. */
  process_started?: number;
  /** A warm trial process had loaded TensorFlow and MNIST and began to wait for a trial. */
  warm_ready?: number;
  /** The trial began to run in its process: after its modules (TensorFlow.js included) were imported, or, warm, when the trial arrived. */
  main_started?: number;
  /** Loading the TensorFlow backend began. */
  backend_load_started?: number;
  /** The TensorFlow backend is ready. */
  backend_ready?: number;
  /** The MLflow run exists. */
  run_created?: number;
  /** Training begins (the first epoch is about to start). */
  training_started?: number;
}

/** When this process started, in milliseconds since the Unix epoch. */
export const processStartedAt = (): number => Math.round(performance.timeOrigin);

/** The marks as `xp.timing.*` tags (integers as strings); unset marks are left out. */
export function timingTags(marks: TimingMarks): Record<string, string> {
  return Object.fromEntries(
    Object.entries(marks)
      .filter(([, t]) => typeof t === 'number' && Number.isFinite(t))
      .map(([k, t]) => [`${TIMING_TAG_PREFIX}${k}`, String(Math.round(t as number))]),
  );
}

/** Marks read back from a run's tags (the inverse of {@link timingTags}); tags that are not numbers are skipped. */
export function marksFromTags(tags: Readonly<Record<string, string>>): TimingMarks {
  const marks: Record<string, number> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (!k.startsWith(TIMING_TAG_PREFIX)) continue;
    const t = Number(v);
    if (Number.isFinite(t)) marks[k.slice(TIMING_TAG_PREFIX.length)] = t;
  }
  return marks as TimingMarks;
}
