// Phase 4 of a run: the test split and its perturbed variants, scored with the task's metrics and logged at the
// step after the last epoch; then the learning curves, the task's plots and `metrics/test.json`.
import type { LoadedExperiment } from '@xp/core';
import { logRunReports } from '../reports/index.js';
import type { EvalResult } from '../tasks/task.js';
import type { RunTracker } from '../tracking/spool/run-tracker.js';
import { evaluate } from '../training/evaluate.js';
import type { Prepared } from './prepare.js';

/** Scores the trained model on the test split (and every variant), logs the metrics and the reports; returns the test metrics. */
export async function evaluateAndReport(
  exp: LoadedExperiment,
  p: Prepared,
  r: { tracker: RunTracker; runId: string; history: Record<string, number>[]; log: (msg: string) => void; checkInterrupted: () => void; timestamp?: number },
): Promise<Record<string, number>> {
  const c = exp.config;
  const { task, model, data } = p;
  const testEval: EvalResult = await evaluate(model, task, data, 'test', c.training.eval_batch_size, { prefix: 'test_', keepPredictions: true });
  const testMetrics = { ...testEval.metrics };
  for (const v of c.evaluation.variants) {
    const name = v.name ?? v.type;
    const ev = await evaluate(model, task, data, name, c.training.eval_batch_size, { prefix: 'test_' });
    for (const [k, val] of Object.entries(ev.metrics)) testMetrics[`${k}/${name}`] = val;
    r.checkInterrupted();
  }
  r.checkInterrupted();
  const step = r.history.length;
  r.tracker.logMetrics(Object.entries(testMetrics).map(([key, value]) => ({ key, value, step, timestamp: r.timestamp })));
  r.log(`test: ${task.summary({ ...testEval, metrics: testMetrics })}`);
  await logRunReports(
    { logArtifact: async (_run: string, local: string, artifactPath?: string) => r.tracker.logArtifact(local, artifactPath) },
    r.runId,
    {
      history: r.history,
      test: testEval,
      data,
      target: data.info.target,
      gridSize: c.evaluation.misclassified_grid,
      metric: task.headline.metric.replace(/^val_/, ''),
      taskPlots: (input) => task.reports(input),
    },
    { warn: r.log },
  );
  r.tracker.logText(JSON.stringify({ task: task.name, count: testEval.count, ...task.testReport?.(testEval), metrics: testMetrics }, null, 2), 'metrics/test.json');
  return testMetrics;
}
