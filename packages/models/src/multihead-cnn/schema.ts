import { NonNegativeNumber, PositiveInt, Rate, StringOptions, Strict, Type, type Static } from '@xp/core';

// Read by the sequence task only; other tasks ignore it.
const lengthHead = Type.Boolean({
  description: 'Sequence task: add a (positions+1)-way length head; the blank class already encodes length.',
  default: false,
});

/** `model: { type: multihead-cnn }`. */
export const MultiheadCnnSchema = Strict(
  {
    blocks: Type.Array(
      Strict(
        {
          filters: Type.Array(PositiveInt({ description: 'Filters of one conv layer.' }), { minItems: 1, description: 'Conv layers of the block.' }),
          kernel_size: PositiveInt({ description: 'Kernel size of the block.', default: 3 }),
          batch_norm: Type.Boolean({ description: 'Batch normalisation after each conv.', default: true }),
          pool: Type.Boolean({ description: '2×2 max-pool at the end of the block.', default: true }),
          dropout: Rate({ description: 'Dropout after the block.', default: 0 }),
        },
        { description: 'A conv block.' },
      ),
      { minItems: 1, description: 'Conv blocks of the trunk.', default: [{ filters: [32, 64] }, { filters: [128, 128] }] },
    ),
    heads: StringOptions(['per_position', 'shared'] as const, {
      description:
        '`per_position`: flatten, one dense layer, one head per position. `shared`: the last feature map is cut into max_len ' +
        'vertical slots (one per digit position) and the same dense layer + classifier reads every slot, so each weight ' +
        'learns from every digit (the feature-map width must divide by max_len).',
      default: 'per_position',
    }),
    dense_units: PositiveInt({ description: 'Units of the dense layer (per slot when heads is shared).', default: 512 }),
    dense_dropout: Rate({ description: 'Dropout after the dense layer.', default: 0.5 }),
    head_units: Type.Integer({ minimum: 0, description: 'Hidden units of each head (0 = a single 11-way layer).', default: 0 }),
    head_dropout: Rate({ description: 'Dropout inside each head (when head_units > 0).', default: 0 }),
    weight_decay: NonNegativeNumber({ description: 'L2 penalty on conv and dense kernels.', default: 0 }),
    length_head: lengthHead,
  },
  { description: 'Deeper CNN: conv blocks with batch norm and dropout, then a dense layer; the task adds its head (for sequences, one per position or shared slots).' },
);

/** The resolved `model:` section of this type. */
export type MultiheadCnnConfig = Static<typeof MultiheadCnnSchema> & { type: 'multihead-cnn' };
