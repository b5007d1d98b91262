// The `task:` options of classification.
import { PositiveInt, PositiveNumber, StringOptions, Strict, Type, type Static } from '@xp/core';

export const ClassificationSchema = Strict(
  {
    class_weights: Type.Union(
      [
        StringOptions(['none', 'balanced'] as const, {
          description: '`none`: every example counts the same; `balanced`: n / (classes × count of the class) from the training split.',
        }),
        Type.Record(Type.String({ minLength: 1 }), PositiveNumber({ description: 'Weight of the class.' }), {
          description: 'Weight per class name; classes not listed weigh 1.',
        }),
      ],
      { description: 'How much each class weighs in the loss: `none`, `balanced`, or a map of class name to weight.', default: 'none' },
    ),
    label_smoothing: Type.Optional(
      Type.Number({ minimum: 0, exclusiveMaximum: 1, description: "Label smoothing of the cross-entropy; defaults to `training.label_smoothing`." }),
    ),
    top_k: PositiveInt({ description: 'k of the top-k accuracy, logged when there are more than k classes.', default: 5 }),
  },
  { description: 'Single-label classification: softmax cross-entropy over the classes of the data.' },
);

/** The resolved `task:` section of a classification experiment. */
export type ClassificationConfig = Static<typeof ClassificationSchema> & { type: 'classification' };

const DEFAULTS = Object.fromEntries(Object.entries(ClassificationSchema.properties).flatMap(([k, v]) => ('default' in v ? [[k, v.default]] : [])));

/** The options with the schema's defaults filled in: a task inferred from the data arrives as `{ type }` alone. */
export function classificationOptions(config: { type: string } & Partial<ClassificationConfig>): ClassificationConfig {
  return { ...DEFAULTS, ...config } as ClassificationConfig;
}
