// The sweep file: which experiment to vary, how to pick the values, and when to stop a trial early. Like the
// experiment schema, this TypeBox schema is the single source of both the JSON Schema and the TS types.
import { Type, type Static } from '@sinclair/typebox';
import { discriminated, NonNegativeInt, PositiveInt, PositiveNumber, StringOptions, Strict } from '../schema/fields.js';

const when = Type.Record(Type.String({ minLength: 1 }), Type.Unknown(), {
  description:
    'Sample this parameter only when each listed (earlier, categorical) parameter has the given value, e.g. `{ "model.type": multihead-cnn }`; otherwise the experiment keeps its own value.',
});

/** `{ values: [...] }`: one of a list of values (any YAML: numbers, strings, lists, mappings). */
export const CategoricalParameterSchema = Strict(
  {
    values: Type.Array(Type.Unknown(), { minItems: 1, description: 'The values to choose from, e.g. `[0.2, 0.3, 0.5]`.' }),
    when: Type.Optional(when),
  },
  { description: 'A categorical parameter: one of `values`.' },
);

/** `{ distribution, min, max, q? }`: a number from a range. */
export const DistributionParameterSchema = Strict(
  {
    distribution: StringOptions(['uniform', 'log_uniform', 'int_uniform'] as const, {
      description: '`uniform`: any number in [min, max]; `log_uniform`: uniform in log space (min > 0), for learning rates; `int_uniform`: an integer in [min, max].',
    }),
    min: Type.Number({ description: 'Smallest value.' }),
    max: Type.Number({ description: 'Largest value (above min).' }),
    q: Type.Optional(PositiveNumber({ description: 'Step: values are min + k·q, never above max.' })),
    grid_points: Type.Optional(
      Type.Integer({ minimum: 2, description: 'Grid sweeps only: this many evenly spaced values from min to max (log-spaced for log_uniform).' }),
    ),
    when: Type.Optional(when),
  },
  { description: 'A numeric parameter drawn from a range.' },
);

export type CategoricalParameter = Static<typeof CategoricalParameterSchema>;
export type DistributionParameter = Static<typeof DistributionParameterSchema>;
/** One entry of `parameters`. */
export type ParameterSpec = CategoricalParameter | DistributionParameter;

// Chosen by which keys are present rather than `anyOf`, so that ajv reports the errors of the form the user
// meant (`value:` → "did you mean 'values'?") instead of both forms' errors.
const ParameterSchema = Type.Unsafe<ParameterSpec>({
  if: { type: 'object', anyOf: [{ required: ['distribution'] }, { required: ['min'] }, { required: ['max'] }] },
  then: DistributionParameterSchema,
  else: CategoricalParameterSchema,
});

const minEpochs = PositiveInt({
  description: 'Epochs every trial trains before it can be stopped; the first decision is made after this many.',
  default: 1,
});

/** Early-termination rules, keyed by `type`. */
export const EarlyTerminationSchemas = {
  asha: Strict(
    {
      min_epochs: minEpochs,
      reduction_factor: Type.Integer({ minimum: 2, description: 'Keep the top 1/reduction_factor at each rung (rungs at min_epochs·reduction_factor^k epochs).', default: 3 }),
    },
    { description: 'Asynchronous successive halving (Li et al. 2020).' },
  ),
  median: Strict(
    {
      min_epochs: minEpochs,
      n_startup_trials: PositiveInt({ description: 'Completed trials needed before any trial is pruned.', default: 1 }),
    },
    { description: 'Stop a trial whose value is worse than the median of completed trials at the same epoch.' },
  ),
};

/** The `sweep` section. */
export const SweepSchema = Strict(
  {
    experiment: Type.String({ minLength: 1, description: 'The experiment file to vary, relative to the sweep file.' }),
    metric: Type.Optional(
      Strict(
        {
          name: Type.Optional(
            Type.String({ minLength: 1, description: "The metric to optimise, as logged per epoch, e.g. val_rmse. Defaults to the task's headline metric (e.g. val_exact_match, val_accuracy)." }),
          ),
          goal: Type.Optional(
            StringOptions(['maximize', 'minimize'] as const, {
              description: "Whether larger or smaller values are better. Defaults to the headline's direction; required when name is another metric.",
            }),
          ),
        },
        { description: "The objective: its last-epoch value is the trial value. Defaults to the task's headline metric and its direction." },
      ),
    ),
    method: StringOptions(['grid', 'random', 'tpe'] as const, {
      description: '`grid`: every combination; `random`: independent draws; `tpe`: Tree-structured Parzen Estimator (Bayesian).',
    }),
    max_trials: PositiveInt({ description: 'Most trials to run.' }),
    parallel: PositiveInt({ description: 'Trials running at once.', default: 1 }),
    seed: NonNegativeInt({ description: 'Seed of the sampler; trial N gets the same values whichever worker runs it.', default: 0 }),
    allow_truncation: Type.Boolean({ description: 'Grid only: run a random max_trials of a larger grid instead of failing.', default: false }),
    early_termination: Type.Optional(discriminated(EarlyTerminationSchemas, { description: 'Stop unpromising trials early.' })),
    tpe: Strict(
      {
        n_startup_trials: Type.Optional(NonNegativeInt({ description: 'Random trials before TPE takes over. Defaults to the number of parameters + 2, at most 10.' })),
        n_ei_candidates: PositiveInt({ description: 'Candidates drawn from l(x); the best l(x)/g(x) wins.', default: 24 }),
        multivariate: Type.Boolean({ description: 'Model the unconditional parameters jointly (as Optuna 5 does) rather than one at a time.', default: true }),
      },
      { description: 'TPE settings (method: tpe only).', default: {} },
    ),
    parameters: Type.Record(Type.String({ minLength: 1 }), ParameterSchema, {
      description: 'Dotted experiment path (e.g. `training.optimizer.learning_rate`) → how to choose its value.',
    }),
  },
  { description: 'A hyperparameter sweep over one experiment.' },
);

/** The `sweep` section as written and validated (the metric may be left to the task). */
export type SweepSection = Static<typeof SweepSchema>;
/** The objective of a sweep, resolved: the metric logged per epoch and its direction. */
export interface SweepMetric {
  name: string;
  goal: 'maximize' | 'minimize';
}
/** A validated `sweep` section, defaults filled in and its metric resolved. */
export type SweepConfig = Omit<SweepSection, 'metric'> & { metric: SweepMetric };
export type EarlyTerminationConfig = NonNullable<SweepConfig['early_termination']>;

/** The whole sweep file. */
export const SweepFileSchema = Strict(
  {
    $schema: Type.Optional(Type.String({ description: 'Editor hint (yaml-language-server); ignored by xp.' })),
    sweep: SweepSchema,
  },
  { description: 'An xp sweep file.' },
);
