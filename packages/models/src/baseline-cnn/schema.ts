import { PositiveInt, Rate, Strict, Type, type Static } from '@xp/core';

// Read by the sequence task only; other tasks ignore it.
const lengthHead = Type.Boolean({
  description: 'Sequence task: add a (positions+1)-way length head; the blank class already encodes length.',
  default: false,
});

/** `model: { type: baseline-cnn }`. */
export const BaselineCnnSchema = Strict(
  {
    filters: Type.Array(PositiveInt({ description: 'Filters of one conv layer.' }), {
      description: 'One 3×3 conv + 2×2 max-pool per entry.',
      minItems: 1,
      default: [32, 64],
    }),
    kernel_size: PositiveInt({ description: 'Conv kernel size.', default: 3 }),
    dense_units: PositiveInt({ description: 'Units of the shared dense layer.', default: 128 }),
    dropout: Rate({ description: 'Dropout before the heads.', default: 0 }),
    length_head: lengthHead,
  },
  { description: 'A small CNN: per `filters` entry a conv and a 2×2 max-pool, then one dense layer; the task adds its head.' },
);

/** The resolved `model:` section of this type. */
export type BaselineCnnConfig = Static<typeof BaselineCnnSchema> & { type: 'baseline-cnn' };
