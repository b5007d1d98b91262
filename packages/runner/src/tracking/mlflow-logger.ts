import type { Callback, Logs } from '../callbacks/callback.js';
import type { RunTracker } from './spool/run-tracker.js';

/**
 * Logs each epoch's metrics (step = epoch) to the run's tracker.
 *
 * The tracker journals the points and sends them in the background, so neither a slow nor a dead server
 * slows training; what cannot be sent stays in the spool (see run-tracker.ts).
 */
export class MlflowLogger implements Callback {
  readonly name = 'mlflow_logger';

  constructor(private readonly tracker: RunTracker) {}

  onEpochEnd(epoch: number, logs: Logs): void {
    const timestamp = Date.now();
    this.tracker.logMetrics(
      Object.entries(logs)
        .filter(([, v]) => Number.isFinite(v))
        .map(([key, value]) => ({ key, value, timestamp, step: epoch })),
    );
  }
}
