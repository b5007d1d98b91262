// The plots of one finished run, uploaded under `plots/`. A plot that fails is reported and skipped: the
// run's metrics are already logged, and a missing chart must never turn a good run into a FAILED one.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MlflowClient } from '../mlflow/index.js';
import type { ReportInput, ReportPlot } from '../tasks/task.js';
import { renderLearningCurves } from './plots/learning-curves.js';
import { renderLrSchedule } from './plots/lr-schedule.js';

/** Artifact folder of the plots. */
export const PLOTS_DIR = 'plots';

/** What {@link logRunReports} plots. */
export interface RunReportsInput extends ReportInput {
  /** The task's headline metric (train-side key, e.g. `exact_match`) drawn beside the loss. */
  metric: string;
  /** The task's own plots. */
  taskPlots: (input: ReportInput) => ReportPlot[];
}

/** Options of {@link logRunReports}. */
export interface RunReportsOptions {
  /** Where warnings go. Defaults to stderr. */
  warn?: (msg: string) => void;
}

/** The part of MlflowClient the reports use. */
export type ReportsClient = Pick<MlflowClient, 'logArtifact'>;

/**
 * Renders the run's plots and uploads them to `plots/` of the run: learning_curves.png and lr_schedule.png for
 * a run that trained, then the task's own (confusion matrices, misclassified examples, predicted vs true, …). Returns
 * the artifact paths uploaded. Never throws for a plot that fails (it warns and continues) and leaves no tensor
 * behind.
 */
export async function logRunReports(client: ReportsClient, runId: string, input: RunReportsInput, opts: RunReportsOptions = {}): Promise<string[]> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  // Without epochs (`xp evaluate` of a trained model) there are no curves to draw, only the task's plots.
  const plots: ReportPlot[] = input.history.length
    ? [
        { file: 'learning_curves.png', render: () => renderLearningCurves(input.history, input.metric) },
        { file: 'lr_schedule.png', render: () => renderLrSchedule(input.history) },
      ]
    : [];
  if (input.test.predictions) plots.push(...input.taskPlots(input));
  else warn('warning: the test evaluation kept no predictions; skipping the task\'s plots');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xp-plots-'));
  const uploaded: string[] = [];
  try {
    for (const { file, render } of plots) {
      try {
        const local = path.join(dir, file);
        await fs.writeFile(local, (await render()).png);
        await client.logArtifact(runId, local, PLOTS_DIR);
        uploaded.push(`${PLOTS_DIR}/${file}`);
      } catch (e) {
        warn(`warning: plot ${PLOTS_DIR}/${file} skipped: ${(e as Error).message}`);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return uploaded;
}
