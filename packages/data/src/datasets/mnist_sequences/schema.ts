import { FloatRange, NonNegativeInt, PositiveInt, PositiveNumber, Strict, Type, type Static } from '@xp/core';
import { mnistSourceField } from '../../mnist/source-schema.js';

const SplitCount = (description: string, def: number, min = 1) =>
  Strict({ count: Type.Integer({ minimum: min, description, default: def }) }, { description, default: {} });

/** `data: { type: mnist_sequences }`: MNIST digits composed side by side into variable-length sequences. */
export const MnistSequencesSchema = Strict(
  {
    source: mnistSourceField(),
    min_len: PositiveInt({ description: 'Shortest sequence (digits). Lengths are uniform over min_len..max_len.', default: 1 }),
    max_len: PositiveInt({ description: 'Longest sequence; also the number of 11-way heads of the model.', default: 3 }),
    canvas: Strict(
      {
        height: PositiveInt({ description: 'Canvas height in pixels.', default: 28 }),
        width: PositiveInt({ description: 'Canvas width in pixels.', default: 84 }),
      },
      { description: 'The image each sequence is drawn on.', default: {} },
    ),
    spacing: NonNegativeInt({ description: 'Pixels between neighbouring digit slots.', default: 0 }),
    jitter: Strict(
      {
        x: NonNegativeInt({ description: 'Max random horizontal shift of each digit, in pixels.', default: 0 }),
        y: NonNegativeInt({ description: 'Max random vertical shift of each digit, in pixels.', default: 0 }),
      },
      { description: 'Per-digit placement jitter at synthesis time.', default: {} },
    ),
    background: FloatRange(0, 255, { description: 'Background pixel value (0 = black, as MNIST).', default: 0 }),
    normalize: Strict(
      {
        mean: Type.Number({ description: 'Mean subtracted from pixels scaled to [0,1].', default: 0.1307 }),
        std: PositiveNumber({ description: 'Std the centred pixels are divided by.', default: 0.3081 }),
      },
      { description: 'Pixel normalisation (MNIST statistics by default).', default: {} },
    ),
    val_fraction: FloatRange(0, 0.9, {
      description: 'Fraction of the MNIST training digits held out as validation digits (disjoint from training digits).',
      default: 0.1,
    }),
    train: Strict(
      {
        count: PositiveInt({ description: 'Training sequences per epoch.', default: 50000 }),
        resample_each_epoch: Type.Boolean({
          description: 'Draw fresh sequences from the training digits every epoch instead of reusing one set.',
          default: false,
        }),
      },
      { description: 'Training split.', default: {} },
    ),
    val: SplitCount('Validation sequences, from validation digits only; 0 disables validation.', 6000, 0),
    test: SplitCount('Test sequences, from MNIST test digits only.', 10000),
  },
  { description: 'Sequences of 1–max_len MNIST digits side by side on a canvas; one class per position, 10 = blank.' },
);

/** The resolved `data:` section of this type. */
export type MnistSequencesConfig = Static<typeof MnistSequencesSchema> & { type: 'mnist_sequences' };
