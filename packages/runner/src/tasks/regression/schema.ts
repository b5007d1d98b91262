// The `task:` options of regression.
import { PositiveNumber, StringOptions, Strict, type Static } from '@xp/core';

export const RegressionSchema = Strict(
  {
    loss: StringOptions(['mse', 'mae', 'huber'] as const, {
      description: 'Loss on the standardised target: mean squared error, mean absolute error, or Huber (squared near 0, absolute beyond `huber_delta`).',
      default: 'mse',
    }),
    huber_delta: PositiveNumber({ description: 'Where Huber turns from squared to absolute, in standard deviations of the target.', default: 1 }),
  },
  { description: 'Regression of one or more real targets, standardised with training statistics.' },
);

/** The resolved `task:` section of a regression experiment. */
export type RegressionConfig = Static<typeof RegressionSchema> & { type: 'regression' };

const DEFAULTS = Object.fromEntries(Object.entries(RegressionSchema.properties).flatMap(([k, v]) => ('default' in v ? [[k, v.default]] : [])));

/** The options with the schema's defaults filled in: a task inferred from the data arrives as `{ type }` alone. */
export function regressionOptions(config: { type: string } & Partial<RegressionConfig>): RegressionConfig {
  return { ...DEFAULTS, ...config } as RegressionConfig;
}
