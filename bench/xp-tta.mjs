// Time to accuracy, xp's side: the 06-final recipe exactly as `xp run` trains it (its data bundle with the
// per-digit augmentation, its optimizer, its configured callbacks, the runner's train()), minus MLflow, until
// the validation exact match reaches the target. One JSON line per epoch (`tta-epoch`) and one at the end (`tta`).
/* global performance, process */
import os from 'node:os';
import { CallbackList } from '../packages/runner/dist/callbacks/callback-list.js';
import { createCallback } from '../packages/runner/dist/callbacks/registry.js';
import { train } from '../packages/runner/dist/training/trainer.js';
import { createOptimizer } from '../packages/runner/dist/training/optimizer.js';
import { createDataBundle } from '../packages/data/dist/index.js';
import { emit, intArg, round, threadInfo } from './lib.mjs';
import { loadExp, RECIPE_FILE } from './spec.mjs';
import { prepareModel } from './xp-model.mjs';

/**
 * Stops training at the first epoch whose `val_exact_match` reaches `target`, or once `maxMinutes` have passed,
 * and records the wall time from the start of training (validation included: it is how the target is seen).
 */
export function targetStop(target, maxMinutes, runner) {
  return {
    name: 'bench_target_stop',
    history: [],
    setTarget(t) { this.training = t; },
    onTrainBegin() { this.t0 = performance.now(); this.reached = undefined; this.history = []; },
    onEpochEnd(epoch, logs) {
      const s = (performance.now() - this.t0) / 1000;
      const row = { epoch: epoch + 1, s: round(s, 1), val_exact_match: round(logs.val_exact_match, 4), loss: round(logs.loss, 4), lr: logs.lr };
      this.history.push(row);
      emit({ kind: 'tta-epoch', runner, ...row });
      if (this.reached === undefined && logs.val_exact_match >= target) this.reached = row;
      if (this.reached || s > maxMinutes * 60) this.training.stopTraining = true;
    },
  };
}

export async function timeToAccuracy(args, { precisionOf }) {
  const target = Number(args.target ?? 0.99);
  const maxEpochs = intArg(args, 'max-epochs', 60);
  const maxMinutes = Number(args['max-minutes'] ?? 120);
  const exp = await loadExp(RECIPE_FILE, args.set);
  const c = exp.config;
  const bundle = await createDataBundle(c.data, c.augment, c.seed);
  // The task carries training.label_smoothing; the model is the trunk plus the task's head, as `xp run` builds it.
  const { model, task } = prepareModel(exp, Object.hasOwn(bundle.info.splits, 'val'));
  const optimizer = createOptimizer(c.training.optimizer);
  // As in the Python runners (spec.recipe.epochs): an lr_schedule spans the recipe's epochs, not --max-epochs.
  const deps = {
    runDir: os.tmpdir(), totalEpochs: c.training.epochs, log: (m) => process.stderr.write(`${m}\n`), saveCheckpoint: async () => {}, headline: task.headline,
  };
  const { precision, fusedConv, runner } = precisionOf(args, c.training.precision, c.training.conv_kernel);
  const stop = targetStop(target, maxMinutes, runner);
  try {
    const result = await train({
      model, optimizer, task, data: bundle, epochs: maxEpochs, batchSize: c.training.batch_size, evalBatchSize: c.training.eval_batch_size,
      validate: true, precision, fusedConv, callbacks: new CallbackList([...c.callbacks.map((cb) => createCallback(cb, deps)), stop]),
    });
    emit({
      kind: 'tta', runner, precision, conv_kernel: fusedConv ? 'fused' : 'separate', target, reached: Boolean(stop.reached), seconds: stop.reached?.s ?? null, epochs: stop.reached?.epoch ?? result.epochsRun,
      best_val_exact_match: Math.max(...stop.history.map((h) => h.val_exact_match)), train_count: c.data.train.count, val_count: c.data.val.count,
      params: model.countParams(), stop_reason: stop.reached ? 'target' : (result.stopReason ?? 'max epochs/minutes'), threads: threadInfo(),
    });
  } finally {
    optimizer.dispose();
    model.dispose();
    bundle.dispose();
  }
}
