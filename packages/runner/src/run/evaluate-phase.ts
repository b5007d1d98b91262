// Phase 4 of a run: the test split and its perturbed variants, scored with the task's metrics and logged at the
// step after the last epoch; then the learning curves, the task's plots and `metrics/test.json`. `xp evaluate`
// runs the same phase on a loaded model (any split, no training history, metrics carrying the model's id).
import type { LoadedExperiment } from '@xp/core';
import type { MlflowMetricInput } from '../mlflow/index.js';
import { logRunReports } from '../reports/index.js';
import type { EvalResult } from '../tasks/task.js';
import type { RunTracker } from '../tracking/spool/run-tracker.js';
import { evaluate } from '../training/evaluate.js';
import type { Prepared } from './prepare.js';

/** How a run's evaluation phase is told apart from `xp evaluate`'s: the split, and what each metric point carries. */
export interface EvaluatePhaseOptions {
  tracker: RunTracker;
  runId: string;
  /** The epochs trained (empty for `xp evaluate`: no learning curves then). */
  history: Record<string, number>[];
  log: (msg: string) => void;
  checkInterrupted: () => void;
  timestamp?: number;
  /** The split scored (default `test`); its metrics are logged as `<split>_<metric>`; variants only with `test`. */
  split?: string;
  /** Added to every metric point, e.g. the model's id and the dataset (`xp evaluate`, as `mlflow.evaluate` does). */
  metricFields?: Pick<MlflowMetricInput, 'modelId' | 'datasetName' | 'datasetDigest'>;
}

/** Scores the model on the test split (and every variant), logs the metrics and the reports; returns the metrics logged. */
export async function evaluateAndReport(exp: LoadedExperiment, p: Pick<Prepared, 'task' | 'model' | 'data'>, r: EvaluatePhaseOptions): Promise<Record<string, number>> {
  const c = exp.config;
  const { task, model } = p;
  const split = r.split ?? 'test';
  // Tasks and reports read the scored split as `test` (`test_` metric keys, test images in the plots): another
  // split is shown to them under that name, and its metrics logged under its own prefix.
  const data = split === 'test' ? p.data : splitAsTest(p.data, split);
  const logKey = (k: string) => (split === 'test' ? k : k.replace(/^test_/, `${split}_`));
  const testEval: EvalResult = await evaluate(model, task, data, 'test', c.training.eval_batch_size, { prefix: 'test_', keepPredictions: true });
  const testMetrics = { ...testEval.metrics };
  for (const v of split === 'test' ? c.evaluation.variants : []) {
    const name = v.name ?? v.type;
    const ev = await evaluate(model, task, data, name, c.training.eval_batch_size, { prefix: 'test_' });
    for (const [k, val] of Object.entries(ev.metrics)) testMetrics[`${k}/${name}`] = val;
    r.checkInterrupted();
  }
  r.checkInterrupted();
  const step = r.history.length;
  const logged = Object.fromEntries(Object.entries(testMetrics).map(([k, v]) => [logKey(k), v]));
  r.tracker.logMetrics(Object.entries(logged).map(([key, value]) => ({ key, value, step, timestamp: r.timestamp, ...r.metricFields })));
  r.log(`${split}: ${task.summary({ ...testEval, metrics: testMetrics })}`);
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
  r.tracker.logText(JSON.stringify({ task: task.name, split, count: testEval.count, ...task.testReport?.(testEval), metrics: logged }, null, 2), `metrics/${split}.json`);
  return logged;
}

/**
 * The bundle with `split` answering as `test`: every method called with the split name `test` as its first
 * argument (`batches`, `count`, `images`, a dataset type's own accessors) gets `split` instead. A Proxy rather
 * than a list of methods, because dataset types add their own split accessors that reports use.
 */
function splitAsTest<D extends object>(data: D, split: string): D {
  return new Proxy(data, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(target, args[0] === 'test' ? [split, ...args.slice(1)] : args);
    },
  });
}
