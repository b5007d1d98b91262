// The sequence task: per-position heads over a shared trunk, a blank class past each sequence's end, and
// exact match of whole sequences as the headline. What was xp's only workload is now one registry entry.
import * as tf from '@tensorflow/tfjs';
import type { Batch, TargetSpec } from '@xp/data';
import { renderConfusionMatrix } from '../../reports/plots/confusion-matrix.js';
import { renderMisclassifiedGrid } from '../../reports/plots/misclassified-grid.js';
import type { Normalization } from '../../reports/plots/sequence-images.js';
import { confusionMatrices, type SequencePredictions } from '../../reports/plots/sequence-predictions.js';
import { testReport } from '../../reports/test-report.js';
import type { BoundTask, EvalResult, ModelOutputs, ReportPlot, TaskType } from '../task.js';
import { sequenceClasses, sequenceDecoder } from './decode.js';
import { sequenceHeads } from './heads.js';
import { asSequenceOutputs, correctCounts, countsToMetrics, sequenceLoss } from './metrics.js';
import { SequenceTaskSchema, type SequenceTaskConfig } from './schema.js';

type SequenceTarget = Extract<TargetSpec, { kind: 'sequence' }>;

const lengths = (batch: Batch) => {
  const l = batch.extras?.lengths;
  if (!l) throw new Error('the sequence task needs batches with `extras.lengths` (digits per sequence)');
  return l as tf.Tensor1D;
};

/** The kept predictions in the plots' own terms. */
export function asSequencePredictions(test: EvalResult): SequencePredictions | undefined {
  const p = test.predictions;
  return p && { preds: Int32Array.from(p.predicted), labels: Int32Array.from(p.actual), maxLen: p.width };
}

function bind(target: SequenceTarget, validates: boolean, labelSmoothing: number): BoundTask {
  return {
    name: 'sequence',
    headline: { metric: validates ? 'val_exact_match' : 'exact_match', mode: 'max' },
    progressFields: ['exact_match'],
    head: (trunk) => sequenceHeads(trunk, target.positions, target.classes.length),
    loss: (out: ModelOutputs, batch, training) =>
      sequenceLoss(asSequenceOutputs(out), batch.ys as tf.Tensor2D, lengths(batch), training ? labelSmoothing : 0),
    counts: (out, batch) => correctCounts(asSequenceOutputs(out), batch.ys as tf.Tensor2D, lengths(batch), target.blank),
    metrics: (counts, lossSum, n, prefix) => countsToMetrics(counts, lossSum, n, prefix),
    decode: (out, batch) => ({ predicted: sequenceClasses(out), actual: batch.ys.clone() }),
    reports: (input) => {
      const predictions = asSequencePredictions(input.test);
      if (!predictions) return [];
      const normalize = input.data.preprocessing().normalize as Normalization;
      // Computed lazily inside the first confusion plot, so a bad prediction array is one warning per plot, not a throw.
      let matrices: number[][][] | undefined;
      const plots: ReportPlot[] = Array.from({ length: predictions.maxLen }, (_, i) => ({
        file: `confusion_pos${i}.png`,
        render: () => renderConfusionMatrix((matrices ??= confusionMatrices(predictions))[i], i),
      }));
      plots.push({ file: 'misclassified.png', render: () => renderMisclassifiedGrid({ predictions, data: input.data, normalize, gridSize: input.gridSize }) });
      return plots;
    },
    testReport: (test) => {
      const p = asSequencePredictions(test);
      return p ? { ...testReport({ ...test, predictions: p }) } : {};
    },
    summary: (test) => `exact match ${(test.metrics.test_exact_match * 100).toFixed(2)} % on ${test.count} sequences`,
  };
}

/** The `sequence` registry entry. */
export const sequenceTask: TaskType<SequenceTaskConfig> = {
  schema: SequenceTaskSchema,
  accepts: ['sequence'],
  headline: (_c, validates) => ({ metric: validates ? 'val_exact_match' : 'exact_match', mode: 'max' }),
  decoder: (target) => {
    if (target.kind !== 'sequence') throw new Error(`the sequence task needs sequence targets, got ${target.kind}`);
    return sequenceDecoder(target);
  },
  bind: (_c, target, ctx) => {
    if (target.kind !== 'sequence') throw new Error(`the sequence task needs sequence targets, got ${target.kind}`);
    return bind(target, ctx.validates, ctx.labelSmoothing);
  },
};
