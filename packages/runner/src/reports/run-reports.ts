// The plots of one finished run, uploaded under `plots/`. A plot that fails is reported and skipped: the
// run's metrics are already logged, and a missing chart must never turn a good run into a FAILED one.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataBundle } from '@xp/data';
import type { Logs } from '../callbacks/callback.js';
import type { MlflowClient } from '../mlflow/index.js';
import type { EvalResult } from '../training/evaluate.js';
import { renderConfusionMatrix } from './plots/confusion-matrix.js';
import { renderLearningCurves } from './plots/learning-curves.js';
import { renderLrSchedule } from './plots/lr-schedule.js';
import { renderMisclassifiedGrid } from './plots/misclassified-grid.js';
import type { Normalization } from './plots/sequence-images.js';
import { confusionMatrices } from './plots/sequence-predictions.js';

/** Artifact folder of the plots. */
export const PLOTS_DIR = 'plots';

/** What {@link logRunReports} plots. */
export interface RunReportsInput {
  /** `TrainResult.history`. */
  history: readonly Logs[];
  /** The test evaluation, run with `keepPredictions: true`. */
  test: EvalResult;
  /** The run's data bundle (still undisposed), to draw the misclassified sequences. */
  data: Pick<DataBundle, 'batches' | 'info'>;
  /** `config.data.normalize`. */
  normalize: Normalization;
  /** How many misclassified sequences to show at most. */
  gridSize: number;
}

/** Options of {@link logRunReports}. */
export interface RunReportsOptions {
  /** Where warnings go. Defaults to stderr. */
  warn?: (msg: string) => void;
}

/** The part of MlflowClient the reports use. */
export type ReportsClient = Pick<MlflowClient, 'logArtifact'>;

/**
 * Renders the run's plots and uploads them to `plots/` of the run: learning_curves.png, lr_schedule.png,
 * confusion_pos{i}.png and misclassified.png. Returns the artifact paths uploaded. Never throws for a plot
 * that fails (it warns and continues) and leaves no tensor behind.
 *
 * @example await logRunReports(client, runId, { history, test: testEval, data, normalize: c.data.normalize, gridSize: 24 });
 */
export async function logRunReports(client: ReportsClient, runId: string, input: RunReportsInput, opts: RunReportsOptions = {}): Promise<string[]> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const plots: Array<[string, () => Promise<{ png: Buffer }>]> = [
    ['learning_curves.png', () => renderLearningCurves(input.history)],
    ['lr_schedule.png', () => renderLrSchedule(input.history)],
  ];
  const predictions = input.test.predictions;
  if (predictions) {
    // Computed lazily inside the first confusion plot, so a bad prediction array is one warning per plot, not a throw.
    let matrices: number[][][] | undefined;
    for (let i = 0; i < predictions.maxLen; i++) {
      plots.push([`confusion_pos${i}.png`, () => renderConfusionMatrix((matrices ??= confusionMatrices(predictions))[i], i)]);
    }
    plots.push(['misclassified.png', () => renderMisclassifiedGrid({ predictions, data: input.data, normalize: input.normalize, gridSize: input.gridSize })]);
  } else {
    warn('warning: the test evaluation kept no predictions; skipping the confusion matrices and the misclassified grid');
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xp-plots-'));
  const uploaded: string[] = [];
  try {
    for (const [file, render] of plots) {
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
