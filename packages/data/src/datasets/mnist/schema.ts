// The `data:` section of `type: mnist`: plain single-digit classification on the MNIST files.
import { FloatRange, PositiveInt, PositiveNumber, Strict, Type, type Static } from '@xp/core';
import { mnistSourceField } from '../../mnist/source-schema.js';

/** MNIST's training and test set sizes. */
export const MNIST_TRAIN = 60000;
export const MNIST_TEST = 10000;

const Subset = (description: string) =>
  Strict({ count: Type.Optional(PositiveInt({ description })) }, { description: 'Which examples of the split to use.', default: {} });

/** Options of the `mnist` dataset type. */
export const MnistSchema = Strict(
  {
    source: mnistSourceField(),
    val_fraction: FloatRange(0, 0.9, {
      description: 'Fraction of the 60 000 training digits held out (seeded) as the validation split; 0 disables validation.',
      default: 0.1,
    }),
    train: Subset('Training digits to use, a seeded random subset of those left after the validation split. Omit for all.'),
    test: Subset('Test digits to use: the first `count` of the 10 000 MNIST test digits. Omit for all.'),
    normalize: Strict(
      {
        mean: Type.Number({ description: 'Mean subtracted from pixels scaled to [0,1].', default: 0.1307 }),
        std: PositiveNumber({ description: 'Std the centred pixels are divided by.', default: 0.3081 }),
      },
      { description: 'Pixel normalisation (MNIST statistics by default).', default: {} },
    ),
  },
  { description: 'MNIST digits, one class (0–9) per 28×28 image.' },
);

/** A resolved `data:` section of type `mnist`. */
export type MnistConfig = Static<typeof MnistSchema> & { type: 'mnist' };
