// The `regression` task: real-valued targets, standardised by the data. Head Dense(T) on the trunk's
// features, MSE / MAE / Huber on the standardised target, MAE / RMSE / R² in target units, and plots of
// predicted vs true and of the residuals.
import type { TargetSpec } from '@xp/data';
import type { Trunk } from '@xp/models';
import { renderPredictedVsTrue, renderResiduals } from '../../reports/plots/regression-plots.js';
import { metricKeyNames } from '../metrics/metric-keys.js';
import { meanScores, scoresFromSums, scoresOf, type RegressionScores } from '../metrics/regression-metrics.js';
import { denseHead } from '../dense-head.js';
import type { BoundTask, EvalResult, TaskType } from '../task.js';
import { predictionOf, regressionDecoder, toTargetUnits } from './decode.js';
import { regressionCounts, regressionLoss } from './loss.js';
import { regressionOptions, RegressionSchema, type RegressionConfig } from './schema.js';

export { RegressionSchema, type RegressionConfig } from './schema.js';

type ValuesTarget = Extract<TargetSpec, { kind: 'values' }>;


/**
 * `loss`, `mae`, `rmse`, `r2` (means over the targets) and, with more than one target, `mae/<name>`,
 * `rmse/<name>`, `r2/<name>`; all prefixed. `counts` are four blocks of T standardised sums (regressionCounts).
 */
export function regressionMetrics(counts: ArrayLike<number>, lossSum: number, n: number, prefix: string, target: ValuesTarget, keys = metricKeyNames(target.names)): Record<string, number> {
  const t = target.names.length;
  if (counts.length !== 4 * t) throw new Error(`regression counts: expected ${4 * t} values for ${t} targets, got ${counts.length}`);
  const scores = target.names.map((_, i) =>
    scoresFromSums({ absError: counts[i], sqError: counts[t + i], sumY: counts[2 * t + i], sumY2: counts[3 * t + i] }, n, target.std[i]),
  );
  const out: Record<string, number> = { [`${prefix}loss`]: n > 0 ? lossSum / n : 0 };
  const put = (suffix: string, s: RegressionScores) => {
    out[`${prefix}mae${suffix}`] = s.mae;
    out[`${prefix}rmse${suffix}`] = s.rmse;
    out[`${prefix}r2${suffix}`] = s.r2;
  };
  put('', meanScores(scores));
  if (t > 1) scores.forEach((s, i) => put(`/${keys[i]}`, s));
  return out;
}

/** Test scores per target from the kept predictions (target units). */
function testScores(test: EvalResult, target: ValuesTarget): RegressionScores[] | undefined {
  const p = test.predictions;
  if (!p || p.actual.length === 0) return undefined;
  return target.names.map((_, i) => scoresOf(p.actual, p.predicted, p.width, i));
}

/** Binds the options to the data's targets. */
function bind(options: RegressionConfig, target: TargetSpec, ctx: { validates: boolean; labelSmoothing: number }): BoundTask {
  const config = regressionOptions(options);
  if (target.kind !== 'values') throw new Error(`the regression task learns value targets, not '${target.kind}' targets`);
  const width = target.names.length;
  const keys = metricKeyNames(target.names);
  const lossOptions = { loss: config.loss, huberDelta: config.huber_delta };
  return {
    name: 'regression',
    headline: regressionTask.headline(config, ctx.validates),
    progressFields: ['rmse'],
    head: (trunk: Trunk) => denseHead(trunk, width, 'prediction'),
    loss: (out, batch) => regressionLoss(predictionOf(out), batch.ys, lossOptions),
    counts: (out, batch) => regressionCounts(predictionOf(out), batch.ys),
    metrics: (counts, lossSum, n, prefix) => regressionMetrics(counts, lossSum, n, prefix, target, keys),
    decode: (out, batch) => ({ predicted: toTargetUnits(predictionOf(out), target), actual: toTargetUnits(batch.ys, target) }),
    reports(input) {
      const p = input.test.predictions;
      if (!p) return [];
      const points = { predicted: p.predicted, actual: p.actual, names: target.names };
      return [
        { file: 'predicted_vs_true.png', render: () => renderPredictedVsTrue(points) },
        { file: 'residuals.png', render: () => renderResiduals(points) },
      ];
    },
    testReport(test) {
      const scores = testScores(test, target);
      if (!scores) return {};
      const perTarget: Record<string, RegressionScores> = {};
      scores.forEach((s, i) => (perTarget[target.names[i]] = s));
      return { count: test.predictions?.actual.length ? test.predictions.actual.length / width : test.count, ...meanScores(scores), per_target: perTarget };
    },
    summary(test) {
      const scores = testScores(test, target);
      const m = scores ? meanScores(scores) : fromMetrics(test.metrics);
      const n = test.predictions ? test.predictions.actual.length / width : test.count;
      return `RMSE ${fmt(m.rmse)}, R² ${m.r2.toFixed(2)} on ${n} examples`;
    },
  };
}

/** RMSE with three significant digits (2.91, 0.0412, 1234). */
function fmt(x: number): string {
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(3);
}

/** The (prefixed) mean scores of a split's metrics, when no predictions were kept. */
function fromMetrics(metrics: Record<string, number>): RegressionScores {
  const get = (name: string) => metrics[Object.keys(metrics).find((k) => k === name || k.endsWith(`_${name}`)) ?? ''] ?? NaN;
  return { mae: get('mae'), rmse: get('rmse'), r2: get('r2') };
}

/** The registry entry of `task: regression`. */
export const regressionTask: TaskType<RegressionConfig> = {
  schema: RegressionSchema,
  accepts: ['values'],
  headline: (_config, validates) => ({ metric: validates ? 'val_rmse' : 'rmse', mode: 'min' }),
  decoder: (target) => {
    if (target.kind !== 'values') throw new Error(`the regression task learns value targets, not '${target.kind}' targets`);
    return regressionDecoder(target);
  },
  bind,
};
