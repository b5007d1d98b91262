// Everything a run logs goes through here: each call is written to the run's journal at once (synchronously,
// never awaited by training) and sent to MLflow in the background, in order. While the server is down the
// entries wait in the journal and sending is retried with backoff; what is still unsent when the run ends
// stays in the spool for `xp sync`. A request MLflow rejects as bad data (4xx) is reported once and skipped,
// so one bad value never stops training nor blocks the entries after it.
import fs from 'node:fs';
import path from 'node:path';
import type { MlflowClient, MlflowDatasetInputSpec, MlflowMetricInput, TerminalStatus } from '../../mlflow/index.js';
import { Journal, type JournalCursor, type JournalEntry, type JournalOp } from './journal.js';
import { applyEntry, isOutage } from './replay.js';

/** Options of {@link RunTracker}. */
export interface RunTrackerOptions {
  /** Where to send; undefined = offline (everything stays in the spool). */
  client?: MlflowClient;
  log?: (msg: string) => void;
  /** Wait before the n-th retry (1-based) after an outage was noticed. Defaults to 1 s doubling up to 15 s. */
  retryDelayMs?: (attempt: number) => number;
}

/** How far sending got. */
export interface TrackerState {
  /** Entries written but not yet acknowledged by MLflow. */
  pending: number;
  /** Entries MLflow rejected (4xx) and that were skipped. */
  rejected: number;
  /** Since when (ms epoch) the server has been unreachable, if it is. */
  outageSince?: number;
}

const defaultRetryDelay = (attempt: number) => Math.min(15_000, 1000 * 2 ** (attempt - 1));

/** The logging side of one run, backed by its spool. */
export class RunTracker {
  private cursor: JournalCursor;
  private readonly queue: JournalEntry[];
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retries = 0;
  private outageSince: number | undefined;
  private rejected = 0;
  /** True once a terminal status was journaled by this tracker: later metrics would land after the run's end. */
  ended = false;
  private readonly rejectedOps = new Set<string>();
  private readonly log: (msg: string) => void;
  private readonly retryDelayMs: (attempt: number) => number;
  private client: MlflowClient | undefined;
  /** Why MLflow refused to create the run (not an outage); nothing more is sent after it. */
  createError: Error | undefined;
  /** The last failure that made sending pause (an outage), for messages. */
  lastOutage: Error | undefined;
  private readonly online: boolean;

  /** Opens a tracker over `journal`; entries already in it that MLflow has not acknowledged are sent first. */
  constructor(
    readonly journal: Journal,
    opts: RunTrackerOptions = {},
  ) {
    this.client = opts.client;
    this.online = opts.client !== undefined;
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.retryDelayMs = opts.retryDelayMs ?? defaultRetryDelay;
    this.cursor = journal.cursor();
    this.queue = journal.pending();
    journal.claim();
  }

  /** The MLflow run id, once the run exists in MLflow. */
  get runId(): string | undefined {
    return this.cursor.runId;
  }

  get experimentId(): string | undefined {
    return this.cursor.experimentId;
  }

  get state(): TrackerState {
    return { pending: this.queue.length, rejected: this.rejected, outageSince: this.outageSince };
  }

  /** Records the run's creation; the first entry of a new run's journal. */
  createRun(req: { experiment: string; experimentId?: string; runName?: string; tags: Record<string, string>; startTime?: number }): void {
    this.push({ op: 'create_run', experiment: req.experiment, experimentId: req.experimentId, runName: req.runName, tags: req.tags, startTime: req.startTime ?? Date.now() });
  }

  /** Metric points; a point without a timestamp gets the current time (kept for replays). */
  logMetrics(metrics: readonly MlflowMetricInput[]): void {
    const now = Date.now();
    if (metrics.length) this.push({ op: 'log_batch', metrics: metrics.map((m) => ({ ...m, timestamp: m.timestamp ?? now })) });
  }

  logParams(params: Record<string, string>): void {
    if (Object.keys(params).length) this.push({ op: 'log_batch', params });
  }

  setTags(tags: Record<string, string>): void {
    if (Object.keys(tags).length) this.push({ op: 'log_batch', tags });
  }

  /** Datasets the run used, and (by id) the logged models it used. */
  logInputs(inputs: MlflowDatasetInputSpec[], models: string[] = []): void {
    this.push({ op: 'log_inputs', inputs, ...(models.length ? { models } : {}) });
  }

  logText(text: string, artifactFile: string): void {
    this.push({ op: 'log_text', text, artifactFile });
  }

  /** Uploads a copy of `localPath` as it is now, to `<artifactPath>/<basename>`. */
  logArtifact(localPath: string, artifactPath?: string): void {
    const seq = this.journal.peekSeq();
    const file = path.join(this.journal.fileDir(seq), path.basename(localPath));
    fs.mkdirSync(path.join(this.journal.dir, this.journal.fileDir(seq)), { recursive: true });
    fs.copyFileSync(localPath, path.join(this.journal.dir, file));
    this.push({ op: 'log_artifact', file, artifactPath });
  }

  /**
   * An MLflow 3 LoggedModel made of a copy of the files below `localDir` as they are now (see the `log_model`
   * journal op). Returns the entry's `seq`, which {@link registerModel} names.
   */
  logModel(req: { name: string; dir: string; params: Record<string, string>; tags: Record<string, string>; mlmodel: Record<string, unknown>; metrics: readonly MlflowMetricInput[] }): number {
    const seq = this.journal.peekSeq();
    const dir = this.journal.fileDir(seq);
    fs.cpSync(req.dir, path.join(this.journal.dir, dir), { recursive: true, dereference: true });
    const now = Date.now();
    this.push({
      op: 'log_model', name: req.name, dir, params: req.params, tags: req.tags, mlmodel: req.mlmodel,
      metrics: req.metrics.map((m) => ({ ...m, timestamp: m.timestamp ?? now })), createdAt: now,
    });
    return seq;
  }

  /** Registers the LoggedModel of entry `modelSeq` as a new version of `name`, pointing `alias` at it. */
  registerModel(req: { modelSeq: number; modelName: string; name: string; alias?: string }): void {
    this.push({ op: 'register_model', ...req });
  }

  /** Uploads a copy of every file below `localDir` as it is now (a checkpoint folder is rewritten each epoch). */
  logArtifactDir(localDir: string, artifactPath?: string): void {
    const seq = this.journal.peekSeq();
    const dir = this.journal.fileDir(seq);
    fs.cpSync(localDir, path.join(this.journal.dir, dir), { recursive: true });
    this.push({ op: 'log_artifact_dir', dir, artifactPath });
  }

  /** RUNNING (a resumed run) or a terminal status with the end time. */
  updateRun(status: 'RUNNING' | TerminalStatus, endTime = status === 'RUNNING' ? undefined : Date.now()): void {
    this.push({ op: 'update_run', status, endTime });
    this.ended = status !== 'RUNNING';
  }

  /**
   * Sends what is queued now and waits for it, up to `timeoutMs` (or, with `untilOutage`, until the first
   * failed attempt). Returns true when everything is acknowledged (for a new run: the run exists in MLflow),
   * false when the server stayed unreachable.
   */
  async flush(timeoutMs = 30_000, opts: { untilOutage?: boolean } = {}): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0 && this.client && !this.createError) {
      if (!this.draining) {
        // Someone is waiting: try now rather than after the backoff (each attempt has its own short retries).
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        this.kick();
      }
      if (Date.now() >= deadline || (opts.untilOutage && this.outageSince !== undefined)) return false;
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
    }
    return this.queue.length === 0;
  }

  /**
   * Waits up to `timeoutMs` for the queue to empty, then lets the spool go: removed when MLflow has all of a
   * finished run, otherwise left for `xp sync` with a message saying so. Returns the entries left unsent.
   */
  async close(timeoutMs = 30_000, opts: { quiet?: boolean } = {}): Promise<number> {
    await this.flush(timeoutMs);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // Stop sending: an in-flight request may still finish, but nothing new starts after close.
    this.client = undefined;
    await this.draining;
    const left = this.queue.length;
    const ended = this.journal.runEnded();
    if (left === 0 && ended) {
      this.journal.remove();
    } else {
      this.journal.release();
      if (left > 0 && this.online && !opts.quiet) {
        this.log(
          `MLflow: ${left} record(s) of this run are kept in ${this.journal.dir}; ` +
            '`npx xp sync` sends them (the next `xp run` does it too) once the server is reachable.',
        );
      }
    }
    return left;
  }

  private push(op: JournalOp): void {
    this.queue.push(this.journal.append(op));
    this.kick();
  }

  private kick(): void {
    if (this.draining || this.retryTimer || !this.client || this.createError) return;
    this.draining = this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    for (let entry = this.queue[0]; entry && this.client; entry = this.queue[0]) {
      try {
        this.cursor = await applyEntry(this.client, this.journal, this.cursor, entry);
      } catch (e) {
        if (isOutage(e)) {
          this.noteOutage(e as Error);
          return;
        }
        if (entry.op === 'create_run') {
          this.createError = e as Error;
          return;
        }
        this.reject(entry, e as Error);
      }
      this.journal.saveCursor({ ...this.cursor, acked: entry.seq });
      this.cursor.acked = entry.seq;
      this.queue.shift();
      if (entry.op === 'log_artifact' || entry.op === 'log_artifact_dir' || entry.op === 'log_model') this.journal.dropFiles(entry.seq);
      if (this.outageSince !== undefined) {
        this.log(`MLflow: reachable again after ${((Date.now() - this.outageSince) / 1000).toFixed(1)} s; sending the ${this.queue.length + 1} spooled record(s)`);
        this.outageSince = undefined;
        this.retries = 0;
      }
    }
  }

  private noteOutage(e: Error): void {
    this.lastOutage = e;
    if (this.outageSince === undefined) {
      this.outageSince = Date.now();
      this.log(`MLflow: unreachable (${e.message}); training continues, records are kept in ${this.journal.dir} and resent`);
    }
    const delay = this.retryDelayMs(++this.retries);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
    // A pending retry must not keep a finished process alive; close() decides how long to wait.
    this.retryTimer.unref();
  }

  private reject(entry: JournalEntry, e: Error): void {
    this.rejected++;
    fs.appendFileSync(path.join(this.journal.dir, 'rejected.jsonl'), `${JSON.stringify({ seq: entry.seq, op: entry.op, error: e.message })}\n`);
    if (this.rejectedOps.has(entry.op)) return;
    this.rejectedOps.add(entry.op);
    this.log(`MLflow: rejected ${entry.op} (record ${entry.seq}): ${e.message}; skipped, training continues (details: ${path.join(this.journal.dir, 'rejected.jsonl')})`);
  }
}
