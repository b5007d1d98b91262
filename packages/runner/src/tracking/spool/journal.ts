// The on-disk spool of one run: an append-only journal of everything the run logs, the files it uploads,
// and a cursor saying how much of it MLflow has acknowledged. The journal is written before anything is
// sent, so a server outage, a crash of xp or of the server loses nothing: `xp sync` sends the rest later.
//
// Layout of `<state>/spool/<spoolId>/`:
//   spool.json    where the run belongs (tracking URI or the embedded server), written once
//   journal.jsonl one JSON entry per line, `seq` strictly increasing
//   cursor.json   { acked, runId?, experimentId?, createAttempted? }, replaced atomically
//   files/<seq>/  copies of uploaded files, taken when the entry was written (the originals may change)
//   owner.pid     the pid of the xp process still writing this spool
import fs from 'node:fs';
import path from 'node:path';
import type { MlflowDatasetInputSpec, MlflowMetricInput, TerminalStatus } from '../../mlflow/index.js';

/** One thing a run logs, in the order it logged it. Timestamps are fixed at write time so replays are identical. */
export type JournalOp =
  /** `experimentId`, when the caller knows it, saves the lookup of `experiment` by name. */
  | { op: 'create_run'; experiment: string; experimentId?: string; runName?: string; tags: Record<string, string>; startTime: number }
  | { op: 'log_batch'; metrics?: MlflowMetricInput[]; params?: Record<string, string>; tags?: Record<string, string> }
  /** `models`: ids of logged models the run used (an evaluation's model). */
  | { op: 'log_inputs'; inputs: MlflowDatasetInputSpec[]; models?: string[] }
  | { op: 'log_text'; text: string; artifactFile: string }
  /** `file` is relative to the spool folder; uploaded to `<artifactPath>/<its basename>`. */
  | { op: 'log_artifact'; file: string; artifactPath?: string }
  /** `dir` is relative to the spool folder; every file below it is uploaded under `artifactPath`. */
  | { op: 'log_artifact_dir'; dir: string; artifactPath?: string }
  /**
   * An MLflow 3 LoggedModel of the run: created once (found again by its spool tags), the files below `dir`
   * (relative to the spool folder) and `MLmodel` (`mlmodel` plus model_id and run_id) uploaded into its artifact
   * location, finalized READY (UPLOAD_FAILED when MLflow refuses a file), linked to the run as its output, and
   * `metrics` logged again with its model_id.
   */
  | {
      op: 'log_model'; name: string; dir: string; params: Record<string, string>; tags: Record<string, string>;
      mlmodel: Record<string, unknown>; metrics: MlflowMetricInput[]; createdAt: number;
    }
  /** Registers the LoggedModel of journal entry `modelSeq` as a version of `name` (created if needed), with `alias`. */
  | { op: 'register_model'; modelSeq: number; modelName: string; name: string; alias?: string }
  /** A status change: RUNNING when a run is resumed, a terminal status with its end time when it ends. */
  | { op: 'update_run'; status: 'RUNNING' | TerminalStatus; endTime?: number };

/** A journal line. */
export type JournalEntry = JournalOp & { seq: number };

/** What MLflow has acknowledged so far. */
export interface JournalCursor {
  /** Highest `seq` MLflow has acknowledged (entries are sent in order); 0 before the first. */
  acked: number;
  runId?: string;
  experimentId?: string;
  /** The MLflow model_id of each `log_model` entry sent so far, by its `seq`. */
  models?: Record<string, string>;
}

/** Where a spooled run belongs. */
export interface SpoolHeader {
  version: 1;
  spoolId: string;
  /** MLFLOW_TRACKING_URI at the time, or null for the embedded local server. */
  trackingUri: string | null;
  createdAt: number;
}

/** The spool folder of one run: append, read back, advance the cursor. */
export class Journal {
  private nextSeq: number;

  private constructor(
    readonly dir: string,
    readonly header: SpoolHeader,
    lastSeq: number,
  ) {
    this.nextSeq = lastSeq + 1;
  }

  /**
   * Starts a new spool under `spoolRoot` (creates `<spoolRoot>/<spoolId>`). `attach` names an MLflow run that
   * already exists (a resumed run); otherwise the journal's first entry must be `create_run`.
   */
  static create(spoolRoot: string, spoolId: string, trackingUri: string | null, attach?: { runId: string; experimentId: string }): Journal {
    const dir = path.join(spoolRoot, spoolId);
    fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
    const header: SpoolHeader = { version: 1, spoolId, trackingUri, createdAt: Date.now() };
    fs.writeFileSync(path.join(dir, 'spool.json'), JSON.stringify(header, null, 2));
    fs.writeFileSync(path.join(dir, 'journal.jsonl'), '');
    const journal = new Journal(dir, header, 0);
    if (attach) journal.saveCursor({ acked: 0, ...attach });
    return journal;
  }

  /** Opens an existing spool folder (for `xp sync`). */
  static open(dir: string): Journal {
    const header = JSON.parse(fs.readFileSync(path.join(dir, 'spool.json'), 'utf8')) as SpoolHeader;
    const entries = readEntries(dir);
    return new Journal(dir, header, entries.at(-1)?.seq ?? 0);
  }

  /** Appends one entry (synchronously, so it is on disk before anything is sent) and returns it. */
  append(op: JournalOp): JournalEntry {
    const entry = { ...op, seq: this.nextSeq++ } as JournalEntry;
    fs.appendFileSync(path.join(this.dir, 'journal.jsonl'), `${JSON.stringify(entry)}\n`);
    return entry;
  }

  /** Reserves the next `seq` for an entry whose files must be copied first (see {@link fileDir}). */
  peekSeq(): number {
    return this.nextSeq;
  }

  /** Folder for the files of entry `seq`, relative to the spool folder. */
  fileDir(seq: number): string {
    return path.join('files', String(seq));
  }

  /** Every entry, in order. */
  entries(): JournalEntry[] {
    return readEntries(this.dir);
  }

  /** Whether the run was ended (a terminal status was journaled), whether or not MLflow has it yet. */
  runEnded(): boolean {
    return this.entries().some((e) => e.op === 'update_run' && e.status !== 'RUNNING');
  }

  /** Entries MLflow has not acknowledged yet. */
  pending(): JournalEntry[] {
    const { acked } = this.cursor();
    return this.entries().filter((e) => e.seq > acked);
  }

  cursor(): JournalCursor {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, 'cursor.json'), 'utf8')) as JournalCursor;
    } catch {
      return { acked: 0 };
    }
  }

  /** Replaces the cursor atomically (write + rename), so a crash leaves the old or the new one, never half. */
  saveCursor(cursor: JournalCursor): void {
    const tmp = path.join(this.dir, `cursor.json.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(cursor));
    fs.renameSync(tmp, path.join(this.dir, 'cursor.json'));
  }

  /** Deletes the copied files of an acknowledged entry. */
  dropFiles(seq: number): void {
    fs.rmSync(path.join(this.dir, this.fileDir(seq)), { recursive: true, force: true });
  }

  /** Marks this process as the spool's writer; `xp sync` in another process leaves it alone meanwhile. */
  claim(pid = process.pid): void {
    fs.writeFileSync(path.join(this.dir, 'owner.pid'), String(pid));
  }

  release(): void {
    fs.rmSync(path.join(this.dir, 'owner.pid'), { force: true });
  }

  /** The pid of a live process writing this spool, if any (a stale pid file from a crash does not count). */
  liveOwner(): number | undefined {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(path.join(this.dir, 'owner.pid'), 'utf8'));
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (e) {
      // EPERM: the process exists but belongs to someone else.
      return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  }

  /** Removes the whole spool (once MLflow has everything). */
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function readEntries(dir: string): JournalEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch {
      // A torn last line (xp killed mid-write) is the only way a line can be incomplete: it was never sent,
      // and nothing after it exists, so stopping here loses nothing that was acknowledged.
      break;
    }
  }
  return out;
}
