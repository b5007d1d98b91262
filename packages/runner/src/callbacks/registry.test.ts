import { join } from 'node:path';
import { CallbackSchemas, type CallbackConfig } from '@xp/core';
import { describe, expect, it, vi } from 'vitest';
import { CsvLogger } from './csv-logger.js';
import { EarlyStopping } from './early-stopping.js';
import { LrSchedule } from './lr-schedule.js';
import { ModelCheckpoint } from './model-checkpoint.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { callbacks, createCallback, type CallbackDeps } from './registry.js';
import { TerminateOnNaN } from './terminate-on-nan.js';
import { Unfreeze } from './unfreeze.js';
import { FakeTarget, runEpochs, series } from './testing.js';

const monitor = { monitor: 'val_loss', mode: 'min', min_delta: 0 } as const;
// One entry per callback, as the config loader delivers them: every default filled in.
const configs: CallbackConfig[] = [
  { type: 'early_stopping', ...monitor, patience: 5, restore_best_weights: true },
  { type: 'reduce_lr_on_plateau', ...monitor, factor: 0.1, patience: 2, cooldown: 0, min_lr: 0 },
  { type: 'model_checkpoint', monitor: 'val_loss', mode: 'min', save: 'best' },
  { type: 'terminate_on_nan' },
  { type: 'csv_logger', filename: 'metrics.csv' },
  { type: 'lr_schedule', schedule: 'cosine', warmup_epochs: 0, step_every: 10, gamma: 0.1, min_lr: 0 },
  { type: 'unfreeze', at_epoch: 3, layers: ['*'] },
];
const deps: CallbackDeps = { runDir: '/runs/r1', totalEpochs: 20, saveCheckpoint: vi.fn(async () => {}), log: vi.fn() };

describe('callback registry', () => {
  it('has exactly one factory per schema entry', () => {
    expect(Object.keys(callbacks).sort()).toEqual(Object.keys(CallbackSchemas).sort());
    expect(configs.map((c) => c.type).sort()).toEqual(Object.keys(CallbackSchemas).sort());
  });

  it.each([
    [EarlyStopping, 'early_stopping'],
    [ReduceLROnPlateau, 'reduce_lr_on_plateau'],
    [ModelCheckpoint, 'model_checkpoint'],
    [TerminateOnNaN, 'terminate_on_nan'],
    [CsvLogger, 'csv_logger'],
    [LrSchedule, 'lr_schedule'],
    [Unfreeze, 'unfreeze'],
  ] as const)('builds a %o for %s, named after its key', (cls, type) => {
    const cb = createCallback(configs.find((c) => c.type === type) as CallbackConfig, deps);
    expect(cb).toBeInstanceOf(cls);
    expect(cb.name).toBe(type);
  });

  it('maps snake_case options and deps onto the callbacks', async () => {
    const es = createCallback({ type: 'early_stopping', monitor: 'val_acc', mode: 'max', min_delta: 0.01, patience: 3, restore_best_weights: false }, deps) as EarlyStopping;
    expect([es.monitor.key, es.monitor.mode, es.monitor.minDelta, es.patience, es.restoreBestWeights]).toEqual(['val_acc', 'max', 0.01, 3, false]);
    expect((createCallback(configs[4], deps) as CsvLogger).path).toBe(join('/runs/r1', 'metrics.csv'));
    expect((createCallback(configs[5], deps) as LrSchedule).totalEpochs).toBe(20);
    const ckpt = createCallback(configs[2], deps) as ModelCheckpoint;
    ckpt.onTrainBegin();
    await ckpt.onEpochEnd(0, { val_loss: 1 });
    expect(deps.saveCheckpoint).toHaveBeenCalledWith(0, { val_loss: 1 });
  });

  describe('monitor: headline', () => {
    const watching = (cb: unknown) => [(cb as EarlyStopping).monitor.key, (cb as EarlyStopping).monitor.mode];
    const classification = { ...deps, headline: { metric: 'val_accuracy', mode: 'max' as const } };
    const regression = { ...deps, headline: { metric: 'val_rmse', mode: 'min' as const } };
    const headlineConfigs: CallbackConfig[] = [
      { type: 'early_stopping', monitor: 'headline', min_delta: 0, patience: 5, restore_best_weights: true },
      { type: 'reduce_lr_on_plateau', monitor: 'headline', min_delta: 0, factor: 0.1, patience: 2, cooldown: 0, min_lr: 0 },
      { type: 'model_checkpoint', monitor: 'headline', save: 'best' },
    ];

    it.each(headlineConfigs.map((c) => [c.type, c] as const))('%s watches the task\'s headline with its direction', (_type, config) => {
      expect(watching(createCallback(config, classification))).toEqual(['val_accuracy', 'max']);
      expect(watching(createCallback(config, regression))).toEqual(['val_rmse', 'min']);
    });

    it('keeps a mode that is given, and names any other metric as is', () => {
      expect(watching(createCallback({ ...headlineConfigs[0], mode: 'min' } as CallbackConfig, classification))).toEqual(['val_accuracy', 'min']);
      expect(watching(createCallback(configs[0], classification))).toEqual(['val_loss', 'min']);
      expect(watching(createCallback({ ...configs[0], mode: undefined } as CallbackConfig, classification))).toEqual(['val_loss', 'min']); // Monitor's default
    });

    it('stops the headline run early on its own metric: accuracy rising is progress, rmse rising is not', async () => {
      // Epochs run with patience 1 on a metric that rises every epoch.
      const epochsRun = (d: CallbackDeps) => {
        const es = createCallback({ ...headlineConfigs[0], patience: 1, restore_best_weights: false } as CallbackConfig, d);
        return runEpochs(es, new FakeTarget(), series([0.5, 0.6, 0.7, 0.8], d.headline!.metric));
      };
      expect(await epochsRun(classification)).toBe(4);
      expect(await epochsRun(regression)).toBe(2);
    });

    it('is an error the runner did not pass a headline for', () => {
      expect(() => createCallback(headlineConfigs[0], deps)).toThrow(/early_stopping: monitor: headline needs the task's headline metric/);
    });
  });

  it('rejects an unknown type, listing the known ones', () => {
    const config = { type: 'swa' } as unknown as CallbackConfig;
    expect(() => createCallback(config, deps)).toThrow(
      "callbacks[].type: unknown callback 'swa'. Known callbacks: early_stopping, reduce_lr_on_plateau, model_checkpoint, terminate_on_nan, csv_logger, lr_schedule, unfreeze.",
    );
  });
});
