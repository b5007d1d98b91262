import { join } from 'node:path';
import type { CallbackConfig, CallbackName } from '@xp/core';
import type { Callback, Logs } from './callback.js';
import { CsvLogger } from './csv-logger.js';
import { EarlyStopping } from './early-stopping.js';
import { LrSchedule } from './lr-schedule.js';
import { ModelCheckpoint } from './model-checkpoint.js';
import type { MonitorMode } from './monitor.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { TerminateOnNaN } from './terminate-on-nan.js';
import { Unfreeze } from './unfreeze.js';

/** What the runner provides to every callback factory. */
export interface CallbackDeps {
  /** Folder of the run's local files (CSV logs land here). */
  runDir: string;
  /** Epochs the run will train for (schedules need it). */
  totalEpochs: number;
  /** Saves the current model as the checkpoint of `epoch`. */
  saveCheckpoint: (epoch: number, logs: Logs) => Promise<void>;
  /** Where callbacks report warnings and actions. */
  log: (msg: string) => void;
  /** The task's headline metric and its direction: what `monitor: headline` watches. */
  headline?: { metric: string; mode: MonitorMode };
}

/** The `monitor` value that stands for the task's headline metric. */
export const HEADLINE = 'headline';

/**
 * The metric and mode a monitoring callback watches: as configured, or for `monitor: headline` the task's
 * headline metric, with its direction unless `mode` is given.
 */
export function resolveMonitor(owner: string, o: { monitor: string; mode?: MonitorMode }, deps: Pick<CallbackDeps, 'headline'>): { monitor: string; mode?: MonitorMode } {
  if (o.monitor !== HEADLINE) return { monitor: o.monitor, mode: o.mode };
  if (!deps.headline) throw new Error(`${owner}: monitor: headline needs the task's headline metric, which the runner did not pass; name the metric instead, e.g. monitor: val_loss`);
  return { monitor: deps.headline.metric, mode: o.mode ?? deps.headline.mode };
}

/** The options one callback receives: its entry of the `callbacks` config. */
export type CallbackOptions<K extends CallbackName> = Extract<CallbackConfig, { type: K }>;

/** Builds one callback from its config entry. */
export type CallbackFactory<K extends CallbackName> = (opts: CallbackOptions<K>, deps: CallbackDeps) => Callback;

/**
 * Every callback, keyed by its name in core's `CallbackSchemas`; each factory maps the snake_case config
 * onto the class's options. A const map, not a global filled by imports, so a test can hold it to the schema.
 */
export const callbacks: { readonly [K in CallbackName]: CallbackFactory<K> } = {
  early_stopping: (o, d) =>
    new EarlyStopping({ ...resolveMonitor('early_stopping', o, d), minDelta: o.min_delta, patience: o.patience, restoreBestWeights: o.restore_best_weights, log: d.log }),
  reduce_lr_on_plateau: (o, d) =>
    new ReduceLROnPlateau({ ...resolveMonitor('reduce_lr_on_plateau', o, d), minDelta: o.min_delta, factor: o.factor, patience: o.patience, cooldown: o.cooldown, minLr: o.min_lr, log: d.log }),
  model_checkpoint: (o, d) => new ModelCheckpoint({ ...resolveMonitor('model_checkpoint', o, d), save: o.save, saveCheckpoint: d.saveCheckpoint, log: d.log }),
  terminate_on_nan: (_o, d) => new TerminateOnNaN({ log: d.log }),
  csv_logger: (o, d) => new CsvLogger(join(d.runDir, o.filename)),
  lr_schedule: (o, d) =>
    new LrSchedule({ schedule: o.schedule, warmupEpochs: o.warmup_epochs, stepEvery: o.step_every, gamma: o.gamma, minLr: o.min_lr }, d.totalEpochs),
  unfreeze: (o, d) => new Unfreeze({ atEpoch: o.at_epoch, layers: o.layers, learningRate: o.learning_rate, lrFactor: o.lr_factor, log: d.log }),
};

/** Factories of callbacks added by `--plugin` modules, by name (see plugins/load-plugins.ts). */
export type PluginCallbacks = Readonly<Record<string, { create(options: never, deps: CallbackDeps): Callback }>>;

/**
 * Builds the callback a validated config entry asks for: a built-in, else one of `plugins`. Throws, listing
 * the known names, on an unknown type.
 *
 * @param plugins - Entries added with `--plugin`. Defaults to none.
 */
export function createCallback(config: CallbackConfig, deps: CallbackDeps, plugins: PluginCallbacks = {}): Callback {
  const type: string = config.type;
  if (Object.hasOwn(callbacks, type)) {
    // Indexing by a runtime key loses the key/options link; the entry's own `type` picked the factory.
    const create = callbacks[config.type] as CallbackFactory<CallbackName>;
    return create(config, deps);
  }
  // Validation only lets a plugin type through when its plugin is loaded, so this is the plugin's own options.
  if (Object.hasOwn(plugins, type)) return plugins[type].create(config as never, deps);
  const known = [...Object.keys(callbacks), ...Object.keys(plugins)].join(', ');
  throw new Error(`callbacks[].type: unknown callback '${type}'. Known callbacks: ${known}.`);
}
