import { Type } from '@sinclair/typebox';
import { NonNegativeInt, NonNegativeNumber, PositiveInt, PositiveNumber, SafeName, StringOptions, Strict } from './fields.js';

// Early stopping and checkpoints judge a run as the task does (its headline, e.g. val_accuracy); a learning-rate
// plateau is a property of the loss, so that rule watches val_loss unless told otherwise (as in Keras).
const monitorField = (def: 'headline' | 'val_loss') =>
  Type.String({
    description:
      "Metric to watch, e.g. `val_loss` or `val_accuracy`; `headline`: the task's headline metric (e.g. `val_exact_match`, `val_accuracy`, `val_rmse`; without validation data its training value), with the task's direction as the default mode.",
    default: def,
    minLength: 1,
  });
const mode = Type.Optional(
  StringOptions(['min', 'max'] as const, { description: "Whether lower (`min`) or higher (`max`) is better. Defaults to the task's direction for `monitor: headline`, else `min`." }),
);
const minDelta = NonNegativeNumber({ description: 'Smallest change that counts as an improvement.', default: 0 });

/** Options of every registered callback, keyed by registry name. */
export const CallbackSchemas = {
  early_stopping: Strict(
    {
      monitor: monitorField('headline'),
      mode,
      min_delta: minDelta,
      patience: NonNegativeInt({ description: 'Epochs without improvement before stopping.', default: 5 }),
      restore_best_weights: Type.Boolean({ description: 'Put back the weights of the best epoch when training ends.', default: true }),
    },
    { description: 'Stop training when the monitored metric stops improving.' },
  ),
  reduce_lr_on_plateau: Strict(
    {
      monitor: monitorField('val_loss'),
      mode,
      min_delta: minDelta,
      factor: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Multiplier of the learning rate.', default: 0.1 }),
      patience: NonNegativeInt({ description: 'Epochs without improvement before reducing.', default: 2 }),
      cooldown: NonNegativeInt({ description: 'Epochs to wait after a reduction before counting again.', default: 0 }),
      min_lr: NonNegativeNumber({ description: 'Lower bound of the learning rate.', default: 0 }),
    },
    { description: 'Multiply the learning rate by `factor` when the monitored metric plateaus.' },
  ),
  model_checkpoint: Strict(
    {
      monitor: monitorField('headline'),
      mode,
      save: StringOptions(['best', 'last'] as const, { description: 'Keep the best epoch or the last one.', default: 'best' }),
    },
    { description: 'Save the model to the run artifacts (checkpoints/).' },
  ),
  terminate_on_nan: Strict({}, { description: 'Stop (and fail the run) as soon as the loss is NaN or infinite.' }),
  csv_logger: Strict(
    { filename: SafeName({ description: 'CSV file name inside the run folder (letters, digits, _ - ., not starting with a dot).', default: 'metrics.csv' }) },
    { description: 'Append each epoch\'s metrics to a CSV file (also logged as an artifact).' },
  ),
  lr_schedule: Strict(
    {
      schedule: StringOptions(['cosine', 'step', 'onecycle'] as const, { description: 'Shape of the schedule.', default: 'cosine' }),
      warmup_epochs: NonNegativeInt({ description: 'Linear warm-up epochs.', default: 0 }),
      step_every: PositiveInt({ description: 'Epochs between steps (step schedule).', default: 10 }),
      gamma: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Step multiplier (step schedule).', default: 0.1 }),
      min_lr: NonNegativeNumber({ description: 'Final learning rate (cosine/onecycle).', default: 0 }),
    },
    { description: 'Set the learning rate from an epoch-based schedule.' },
  ),
  unfreeze: Strict(
    {
      at_epoch: PositiveInt({
        description:
          'Unfreeze after this many epochs: at the start of epoch at_epoch+1 (1-based, as the progress bar counts; 0-based index at_epoch). Must be below training.epochs.',
      }),
      layers: Type.Array(Type.String({ minLength: 1 }), {
        description: 'Layer names or glob patterns to make trainable (each must match a layer); `["*"]`, the default, unfreezes every layer.',
        default: ['*'],
        minItems: 1,
      }),
      learning_rate: Type.Optional(PositiveNumber({ description: 'Learning rate from then on (not with lr_factor, nor with an lr_schedule callback, which sets the rate every epoch).' })),
      lr_factor: Type.Optional(
        Type.Number({ exclusiveMinimum: 0, description: 'Multiply the learning rate by this from then on, e.g. 0.1 (not with learning_rate, nor with an lr_schedule callback).' }),
      ),
    },
    { description: 'Second stage of a fine-tune: make frozen layers (model.freeze, or a layer\'s trainable: false) trainable again at an epoch, optionally with a new learning rate.' },
  ),
};

export type CallbackName = keyof typeof CallbackSchemas;
