import { Type, type Static, type TObject } from '@sinclair/typebox';
import { AugmentSchemas, EvalVariantSchemas } from './augment.js';
import { CallbackSchemas } from './callbacks.js';
import { discriminated, StringOptions, Strict } from './fields.js';
import { withModelCommon } from './model-common.js';
import { TrainingSchema } from './training.js';
import type { ConfigCheck } from '../checks/check.js';
import { TrackingSchema } from './tracking.js';

/**
 * The registries an experiment is checked against, each entry with the JSON Schema of its options (a TypeBox
 * `Type.Object(…)` or a plain `{ type: 'object', properties: … }`), plus the cross-field rules their entries
 * own. Core knows no dataset, model or task: the packages that implement them (data, models, the runner's
 * tasks) own their schemas, and the runner hands the composed registries, built-ins and `--plugin` entries
 * alike, to the loader. Callbacks are core's own and only extended here.
 */
export interface SchemaExtensions {
  /** `data.type` entries, keyed by name. Without any, `data` is only checked to be a mapping with a `type`. */
  datasets?: Readonly<Record<string, TObject>>;
  /** `model.type` entries. */
  models?: Readonly<Record<string, TObject>>;
  /** `task.type` entries. */
  tasks?: Readonly<Record<string, TObject>>;
  /** Extra `callbacks[].type` entries, keyed by name. */
  callbacks?: Readonly<Record<string, TObject>>;
  /** Cross-field rules of the registries' entries, run after the schema passed. */
  checks?: readonly ConfigCheck[];
}

/** A registry section (`data`, `model`, `task`) as core sees it: its `type` and the entry's own options. */
export type RegistryEntryConfig = { type: string } & Record<string, unknown>;

// Without a registry a section is an open mapping: core's own tests and tools that only need the generic
// sections (training, callbacks, …) can load a file without knowing its dataset or model.
const openEntry = (description: string) =>
  Type.Unsafe<RegistryEntryConfig>({ type: 'object', required: ['type'], properties: { type: { type: 'string', minLength: 1 } }, description });

const section = (entries: Readonly<Record<string, TObject>> | undefined, description: string) =>
  entries && Object.keys(entries).length ? Type.Unsafe<RegistryEntryConfig>(discriminated(entries, { description })) : openEntry(description);

/**
 * The experiment schema with `ext`'s registries composed into the `data`, `model`, `task` and `callbacks`
 * `type` unions. The static type ({@link ExperimentConfig}) sees registry sections as {@link RegistryEntryConfig}:
 * each entry narrows its own section with its own schema's type.
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
      data: section(ext.datasets, 'The data, chosen by `type` from the dataset registry.'),
      task: Type.Optional(
        section(ext.tasks, 'What is learned (loss, metrics, head), chosen by `type` from the task registry; `task: classification` is short for `task: { type: classification }`. Inferred from the data when absent.'),
      ),
      model: section(ext.models && mapValues(ext.models, withModelCommon), 'Architecture, chosen by `type` from the model registry.'),
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
          register: Type.Optional(
            Strict(
              {
                name: Type.String({ minLength: 1, maxLength: 256, description: 'Registered model name (created when it does not exist).' }),
                alias: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_-]+$', description: 'Alias pointed at the new version, e.g. `champion`.' })),
              },
              { description: 'Register the logged model in the MLflow Model Registry as a new version of `name` (needs `log_model`).' },
            ),
          ),
        },
        { description: 'What is logged to MLflow.', default: {} },
      ),
    },
    { description: 'An xp experiment.' },
  );
}

const mapValues = <T, U>(o: Readonly<Record<string, T>>, f: (v: T) => U): Record<string, U> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** The experiment schema without registries: the generic sections typed, registry sections open. */
export const ExperimentSchema = experimentSchema();

/** A fully resolved experiment config: extends applied, defaults filled, validated. */
export type ExperimentConfig = Static<typeof ExperimentSchema>;
export type DataConfig = ExperimentConfig['data'];
export type ModelConfig = ExperimentConfig['model'];
export type TaskConfig = NonNullable<ExperimentConfig['task']>;
export type TrainingConfig = ExperimentConfig['training'];
export type AugmentConfig = ExperimentConfig['augment'][number];
export type CallbackConfig = ExperimentConfig['callbacks'][number];
export type EvalVariantConfig = ExperimentConfig['evaluation']['variants'][number];
export type OptimizerConfig = TrainingConfig['optimizer'];
