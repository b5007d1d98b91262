// The callbacks this folder implements (callback.ts and callback-list.ts are exported by the package index).
export { Monitor } from './monitor.js';
export type { MonitorMode, MonitorOptions } from './monitor.js';
export { EarlyStopping } from './early-stopping.js';
export type { EarlyStoppingOptions } from './early-stopping.js';
export { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
export type { LrReduction, ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { TerminateOnNaN } from './terminate-on-nan.js';
export type { TerminateOnNaNOptions } from './terminate-on-nan.js';
export { LrSchedule, scheduledLr } from './lr-schedule.js';
export type { LrScheduleOptions, ScheduleKind } from './lr-schedule.js';
export { ModelCheckpoint } from './model-checkpoint.js';
export type { ModelCheckpointOptions, SaveCheckpoint } from './model-checkpoint.js';
export { CsvLogger } from './csv-logger.js';
export { Unfreeze } from './unfreeze.js';
export type { UnfreezeOptions } from './unfreeze.js';
export { callbacks, createCallback, HEADLINE, resolveMonitor } from './registry.js';
export type { CallbackDeps, CallbackFactory, CallbackOptions, PluginCallbacks } from './registry.js';
