// The `tracking` section: what xp records about a run besides its metrics, params and artifacts.
import { Type, type Static } from '@sinclair/typebox';
import { PositiveNumber, Strict } from './fields.js';

/** `tracking.system_metrics`: CPU, memory and (where present) GPU samples, under MLflow's `system/…` names. */
export const SystemMetricsSchema = Strict(
  {
    enabled: Type.Boolean({ description: 'Sample while the run trains; the run page\'s "System metrics" tab plots the samples.', default: true }),
    every_s: PositiveNumber({ description: 'Seconds between samples.', default: 10 }),
  },
  { description: 'System metrics (CPU, memory, GPU) while training, as MLflow logs them for Python runs.', default: {} },
);

/** A validated `tracking.system_metrics`, defaults filled in. */
export type SystemMetricsConfig = Static<typeof SystemMetricsSchema>;

/** The `tracking` section of an experiment. */
export const TrackingSchema = Strict(
  { system_metrics: SystemMetricsSchema },
  { description: 'What xp records about a run besides its metrics, params and artifacts.', default: {} },
);
