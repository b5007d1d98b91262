// The `classification` task: one class per example. Head Dense(N) on the trunk's features, softmax
// cross-entropy (class weights, label smoothing), accuracy / top-k / macro-F1 / per-class precision and
// recall, a confusion matrix and (image data) a grid of the mistakes.
import * as tf from '@tensorflow/tfjs';
import type { TargetSpec } from '@xp/data';
import type { Trunk } from '@xp/models';
import { renderClassConfusionMatrix } from '../../reports/plots/class-confusion-matrix.js';
import { renderMisclassifiedExamples } from '../../reports/plots/misclassified-examples.js';
import { classScores, confusionMatrix, macroF1, accuracy } from '../metrics/classification-metrics.js';
import { metricKeyNames } from '../metrics/metric-keys.js';
import { denseHead } from '../dense-head.js';
import type { BoundTask, EvalResult, ReportPlot, TaskType } from '../task.js';
import { resolveClassWeights } from './class-weights.js';
import { classificationDecoder, logitsOf } from './decode.js';
import { classificationCounts, classificationLoss } from './loss.js';
import { classificationMetrics } from './metrics.js';
import { classificationOptions, ClassificationSchema, type ClassificationConfig } from './schema.js';

export { ClassificationSchema, type ClassificationConfig } from './schema.js';

/**
 * A class target as datasets may give it: `trainCounts` (training examples per class, in class order) is
 * what `class_weights: balanced` needs. Not (yet) in the TargetSpec contract; read when present.
 */
type ClassTarget = Extract<TargetSpec, { kind: 'class' }> & { trainCounts?: number[] };


/** Per-class precision, recall, F1 and support of the kept test predictions, with accuracy and macro-F1 (the run adds the logged metrics). */
export function classificationTestReport(test: EvalResult, classes: readonly string[]): Record<string, unknown> {
  const p = test.predictions;
  if (!p) return {};
  const m = confusionMatrix(p.actual, p.predicted, classes.length);
  const scores = classScores(m);
  const perClass: Record<string, { precision: number; recall: number; f1: number; support: number }> = {};
  scores.forEach((s, c) => (perClass[classes[c]] = { precision: s.precision, recall: s.recall, f1: s.f1, support: s.support }));
  return { count: p.actual.length, accuracy: accuracy(m), macro_f1: macroF1(scores), per_class: perClass, confusion_matrix: m };
}

/** The test accuracy: from the kept predictions, else the (prefixed) `accuracy` metric. */
function testAccuracy(test: EvalResult): number {
  const p = test.predictions;
  if (p && p.actual.length > 0) {
    let right = 0;
    for (let i = 0; i < p.actual.length; i++) right += p.predicted[i] === p.actual[i] ? 1 : 0;
    return right / p.actual.length;
  }
  const key = Object.keys(test.metrics).find((k) => k === 'accuracy' || (k.endsWith('_accuracy') && !k.endsWith('top_k_accuracy')));
  return key ? test.metrics[key] : NaN;
}

/** Binds the options to the data's classes. */
function bind(options: ClassificationConfig, target: TargetSpec, ctx: { validates: boolean; labelSmoothing: number }): BoundTask {
  const config = classificationOptions(options);
  if (target.kind !== 'class') throw new Error(`the classification task learns class targets, not '${target.kind}' targets`);
  const classes = target.classes;
  const numClasses = classes.length;
  const keys = metricKeyNames(classes);
  const topK = numClasses > config.top_k ? config.top_k : 0;
  const labelSmoothing = config.label_smoothing ?? ctx.labelSmoothing;
  const classWeights = resolveClassWeights(config.class_weights, classes, (target as ClassTarget).trainCounts);
  const decoder = classificationDecoder(target);
  return {
    name: 'classification',
    headline: classificationTask.headline(config, ctx.validates),
    progressFields: ['accuracy'],
    head: (trunk: Trunk) => denseHead(trunk, numClasses, 'logits'),
    // Smoothing and class weights shape training only (as Keras's class_weight): evaluation losses are the
    // plain cross-entropy, comparable across recipes.
    loss: (out, batch, training = true) =>
      classificationLoss(batch.ys, logitsOf(out), training ? { labelSmoothing, classWeights } : {}),
    counts: (out, batch) => classificationCounts(batch.ys, logitsOf(out), topK),
    metrics: (counts, lossSum, n, prefix) => classificationMetrics(counts, lossSum, n, prefix, { keys, topK }),
    decode: (out, batch) => ({ ...decoder.decode(out), actual: tf.tidy(() => tf.reshape(batch.ys, [-1, 1]).toInt()) }),
    reports(input) {
      const p = input.test.predictions;
      if (!p) return [];
      const plots: ReportPlot[] = [
        { file: 'confusion_matrix.png', render: () => renderClassConfusionMatrix(confusionMatrix(p.actual, p.predicted, numClasses), classes) },
      ];
      const data = input.data;
      if (data.images) {
        const images = data.images.bind(data);
        plots.push({
          file: 'misclassified.png',
          render: () =>
            renderMisclassifiedExamples({
              predicted: p.predicted,
              actual: p.actual,
              probabilities: p.probabilities,
              classes,
              images: (rows) => images('test', rows),
              gridSize: input.gridSize,
            }),
        });
      }
      return plots;
    },
    testReport: (test) => classificationTestReport(test, classes),
    summary: (test) => `accuracy ${(testAccuracy(test) * 100).toFixed(2)} % on ${test.predictions?.actual.length ?? test.count} examples`,
  };
}

/** The registry entry of `task: classification`. */
export const classificationTask: TaskType<ClassificationConfig> = {
  schema: ClassificationSchema,
  accepts: ['class'],
  headline: (_config, validates) => ({ metric: validates ? 'val_accuracy' : 'accuracy', mode: 'max' }),
  decoder: (target) => {
    if (target.kind !== 'class') throw new Error(`the classification task learns class targets, not '${target.kind}' targets`);
    return classificationDecoder(target);
  },
  bind,
};
