// Micro-batching for `xp serve`: requests that arrive close together are scored in one model call, which is
// where a batched model is cheaper per row than many calls of one. A request is never split: a batch takes
// whole requests, oldest first, until the next would push it past `maxBatch` rows (one request bigger than
// that runs alone). A batch starts when `maxBatch` rows wait or the oldest request has waited `maxWaitMs` (with
// 0, at the end of the current event-loop turn, so requests already received join). One batch runs at a time
// (there is one model); requests that come meanwhile wait for the next. If a merged batch fails, each of its
// requests is scored again alone, so a bad request fails alone.
// Hand-written rather than a library: the queue libraries on npm batch single items, not requests of several
// rows whose answers must be split back, and this is about a hundred lines.

/** How requests are merged. `maxBatch: 1` scores each request alone. */
export interface BatcherOptions {
  /** Rows per model call at most (a single larger request still runs, alone). */
  maxBatch: number;
  /** How long the oldest waiting request may wait for others before its batch starts. */
  maxWaitMs: number;
}

interface Pending<I, O> {
  items: I[];
  enqueued: number;
  resolve: (out: O[]) => void;
  /** Told the rows of the model call that answered this request. */
  onBatch?: (rows: number) => void;
  reject: (e: unknown) => void;
}

/** Merges concurrent `submit`s into calls of `run`, each getting back its own slice of the results. */
export class MicroBatcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private turn: NodeJS.Immediate | undefined;
  private idle: (() => void)[] = [];
  /** Model calls made and rows scored, for the log and the tests. */
  readonly stats = { calls: 0, rows: 0, largest: 0 };

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: BatcherOptions,
  ) {
    if (!(opts.maxBatch >= 1)) throw new Error(`maxBatch must be ≥ 1, got ${opts.maxBatch}`);
  }

  /**
   * Scores `items` (one request) with others waiting; resolves with one result per item, in order. `onBatch`
   * learns how many rows the model call that answered it had.
   */
  submit(items: I[], onBatch?: (rows: number) => void): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.queue.push({ items, enqueued: Date.now(), resolve, reject, onBatch });
      this.queuedRows += items.length;
      this.schedule();
    });
  }

  /** Resolves once nothing waits or runs (for a graceful shutdown). */
  drained(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    const waited = Date.now() - this.queue[0].enqueued;
    if (this.queuedRows >= this.opts.maxBatch || waited >= this.opts.maxWaitMs) {
      this.clearTimer();
      if (this.opts.maxWaitMs === 0 && this.queuedRows < this.opts.maxBatch) {
        // No wait, but requests whose bytes already arrived are handled in this turn of the event loop: let
        // them join (a model call blocks the loop, so without this each would arrive to an idle model alone).
        this.turn ??= setImmediate(() => {
          this.turn = undefined;
          if (!this.running && this.queue.length) void this.flush();
        });
        return;
      }
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.opts.maxWaitMs - waited);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private take(): Pending<I, O>[] {
    const batch = [this.queue.shift()!];
    let rows = batch[0].items.length;
    while (this.queue.length && rows + this.queue[0].items.length <= this.opts.maxBatch) {
      const next = this.queue.shift()!;
      rows += next.items.length;
      batch.push(next);
    }
    this.queuedRows -= rows;
    return batch;
  }

  private async flush(): Promise<void> {
    this.running = true;
    const batch = this.take();
    try {
      await this.score(batch);
    } finally {
      this.running = false;
      if (this.queue.length) this.schedule();
      else for (const done of this.idle.splice(0)) done();
    }
  }

  /** One model call for the whole batch; if it fails, each request again alone so one bad request fails alone. */
  private async score(batch: Pending<I, O>[]): Promise<void> {
    try {
      const out = await this.call(batch.flatMap((p) => p.items));
      let at = 0;
      for (const p of batch) {
        p.onBatch?.(out.length);
        p.resolve(out.slice(at, at + p.items.length));
        at += p.items.length;
      }
    } catch (e) {
      if (batch.length === 1) return batch[0].reject(e);
      for (const p of batch) {
        try {
          const out = await this.call(p.items);
          p.onBatch?.(out.length);
          p.resolve(out);
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }

  private async call(items: I[]): Promise<O[]> {
    const out = await this.run(items);
    if (out.length !== items.length) throw new Error(`the model returned ${out.length} results for ${items.length} inputs`);
    this.stats.calls += 1;
    this.stats.rows += items.length;
    this.stats.largest = Math.max(this.stats.largest, items.length);
    return out;
  }
}
