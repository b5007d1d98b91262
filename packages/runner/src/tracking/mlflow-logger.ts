import type { Callback, Logs } from '../callbacks/callback.js';
import type { MlflowClient } from '../mlflow/index.js';

/**
 * Logs each epoch's metrics (step = epoch) to an MLflow run.
 *
 * Requests are queued, not awaited inside the epoch, so a slow server never slows training; the queue is
 * drained at train end. A failed request is reported once and does not stop training.
 */
export class MlflowLogger implements Callback {
  readonly name = 'mlflow_logger';
  private queue: Promise<void> = Promise.resolve();
  private warned = false;

  constructor(
    private readonly client: MlflowClient,
    private readonly runId: string,
    private readonly warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {}

  onEpochEnd(epoch: number, logs: Logs): void {
    const timestamp = Date.now();
    const metrics = Object.entries(logs)
      .filter(([, v]) => Number.isFinite(v))
      .map(([key, value]) => ({ key, value, timestamp, step: epoch }));
    this.enqueue(() => this.client.logBatch(this.runId, { metrics }));
  }

  /** Queues any logging call behind the earlier ones. */
  enqueue(fn: () => Promise<unknown>): void {
    this.queue = this.queue.then(fn).then(
      () => undefined,
      (e: Error) => {
        if (!this.warned) this.warn(`warning: MLflow logging failed (training continues): ${e.message}`);
        this.warned = true;
      },
    );
  }

  async onTrainEnd(): Promise<void> {
    await this.flush();
  }

  /** Waits for every queued request. */
  flush(): Promise<void> {
    return this.queue;
  }
}
