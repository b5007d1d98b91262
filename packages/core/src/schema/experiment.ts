import { Type, type Static, type TObject } from '@sinclair/typebox';
import { AugmentSchemas, EvalVariantSchemas } from './augment.js';
import { CallbackSchemas } from './callbacks.js';
import { DataSchema } from './data.js';
import { discriminated, StringOptions, Strict } from './fields.js';
import { ModelSchemas } from './models.js';
import { TrainingSchema } from './training.js';
import { TrackingSchema } from './tracking.js';

/**
 * Registry entries added at run time by `--plugin` modules, each with the JSON Schema of its options (a
 * TypeBox `Type.Object(…)` or a plain `{ type: 'object', properties: … }`). Only callbacks for now: they need
 * nothing from the data or the model code.
 */
export interface SchemaExtensions {
  /** Extra `callbacks[].type` entries, keyed by name. */
  callbacks?: Readonly<Record<string, TObject>>;
}

/**
 * The experiment schema with `ext`'s entries added to their `type` unions. The built-in schema
 * ({@link ExperimentSchema}) is this with no extensions; the static types come from it alone.
 */
export function experimentSchema(ext: SchemaExtensions = {}) {
  // A plugin must never replace a built-in: the same name would then mean different code per command line.
  const clash = Object.keys(ext.callbacks ?? {}).filter((k) => Object.hasOwn(CallbackSchemas, k));
  if (clash.length) throw new Error(`schema extensions cannot replace built-in callbacks: ${clash.join(', ')}`);
  return Strict(
    {
      $schema: Type.Optional(Type.String({ description: 'Editor hint (yaml-language-server); ignored by xp.' })),
      extends: Type.Optional(
        Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
          description: 'File(s) this one builds on, relative to it; deep-merged, this file wins. Removed once resolved.',
        }),
      ),
      name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'Run name shown in MLflow.' }),
      experiment: Type.String({ minLength: 1, description: 'MLflow experiment the run goes to.', default: 'xp' }),
      description: Type.String({ description: 'What this file changes and why; becomes the MLflow run note.', default: '' }),
      stage: Type.Optional(Type.String({ description: 'Progression stage tag (`xp.stage`), e.g. baseline, final.' })),
      seed: Type.Integer({ minimum: 0, description: 'Seed of every random choice (data, init, augmentation).', default: 42 }),
      backend: StringOptions(['tensorflow', 'cpu'] as const, {
        description: '`tensorflow`: native TensorFlow (required for training). `cpu`: pure JS, only for debugging.',
        default: 'tensorflow',
      }),
      data: DataSchema,
      model: discriminated(ModelSchemas, { description: 'Architecture, chosen by `type` from the model registry.' }),
      augment: Type.Array(discriminated(AugmentSchemas, { description: 'One augmentation.' }), {
        description: 'Training-only augmentations, applied in order as batched tensor ops.',
        default: [],
      }),
      callbacks: Type.Array(discriminated({ ...CallbackSchemas, ...ext.callbacks } as typeof CallbackSchemas, { description: 'One callback.' }), {
        description: 'Training callbacks, called in order.',
        default: [],
      }),
      training: TrainingSchema,
      evaluation: Strict(
        {
          variants: Type.Array(discriminated(EvalVariantSchemas, { description: 'A perturbed copy of the test set.' }), {
            description: 'Perturbed copies of the test set, each logged as `test_<metric>/<name>`.',
            default: [],
          }),
          misclassified_grid: Type.Integer({ minimum: 0, description: 'Misclassified test sequences shown in the grid plot.', default: 32 }),
        },
        { description: 'Final evaluation.', default: {} },
      ),
      tracking: TrackingSchema,
      mlflow: Strict(
        {
          log_model: Type.Boolean({ description: 'Log the trained model (tfjs format) as an artifact.', default: true }),
          tags: Type.Record(Type.String(), Type.String(), { description: 'Extra run tags.', default: {} }),
        },
        { description: 'What is logged to MLflow.', default: {} },
      ),
    },
    { description: 'An xp experiment.' },
  );
}

/** The whole experiment file. The single source of truth for both the JSON Schema and the TS types. */
export const ExperimentSchema = experimentSchema();

/** A fully resolved experiment config: extends applied, defaults filled, validated. */
export type ExperimentConfig = Static<typeof ExperimentSchema>;
export type DataConfig = ExperimentConfig['data'];
export type ModelConfig = ExperimentConfig['model'];
export type TrainingConfig = ExperimentConfig['training'];
export type AugmentConfig = ExperimentConfig['augment'][number];
export type CallbackConfig = ExperimentConfig['callbacks'][number];
export type EvalVariantConfig = ExperimentConfig['evaluation']['variants'][number];
export type OptimizerConfig = TrainingConfig['optimizer'];
