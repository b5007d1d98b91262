// The `model:` section of `type: layers`: a list of layer entries, each `- <kind>: <options>` plus optional
// `name`, `trainable` and `repeat`. Blocks (`residual`, `concat`) hold lists of entries themselves.
import { NonNegativeNumber, Strict, Type, type Static, type TSchema } from '@xp/core';
import { layerKinds } from './kinds/index.js';

/** How deep blocks nest: a block in a block in the list. Fixed so the schema needs no `$ref` (see below). */
export const BLOCK_DEPTH = 2;

const entryKeys = {
  name: Type.String({
    pattern: '^[A-Za-z][A-Za-z0-9_]*$',
    maxLength: 64,
    description: 'Layer name (letters, digits, _); freeze and init_from match layers by it. Defaults to <kind>_<n>, inside a block <block>_<kind>_<n>.',
  }),
  trainable: Type.Boolean({ description: 'false keeps this layer (every layer of a block) fixed during training.' }),
  repeat: Type.Integer({ minimum: 1, maximum: 100, description: 'Stack this entry N times (names get _0, _1, … when given one).' }),
};

const SlotsSchema = Strict(
  {},
  {
    description:
      'Sequence task: cut the feature map into one vertical slot per sequence position (its width must divide by the positions); ' +
      'the entries after it (dense, dropout, activation, layer_norm) read every slot with the same weights, then the task adds its classifier.',
  },
);

// A block's children are entries one level shallower. Written out to a fixed depth instead of a recursive
// `$ref` schema: the editor document (core's schema-document.ts) puts the model schema in twice, and two
// copies of one `$id` in a document do not compile.
function entrySchema(depth: number, top: boolean): TSchema {
  const kinds = Object.fromEntries(Object.entries(layerKinds).map(([k, kind]) => [k, Type.Optional(kind.schema)]));
  const blocks: Record<string, TSchema> =
    depth > 0
      ? {
          residual: Type.Optional(
            Type.Array(entrySchema(depth - 1, false), { minItems: 1, description: 'Layers whose output is added to the block input (a 1×1 projection when shapes differ).' }),
          ),
          concat: Type.Optional(
            Type.Array(Type.Array(entrySchema(depth - 1, false), { description: 'One branch; [] passes the input through.' }), {
              minItems: 2,
              description: 'Branches on the same input, joined along the channel (last) axis.',
            }),
          ),
        }
      : {};
  const slots: Record<string, TSchema> = top ? { slots: Type.Optional(SlotsSchema) } : {};
  return Type.Object(
    { ...kinds, ...blocks, ...slots, ...Object.fromEntries(Object.entries(entryKeys).map(([k, s]) => [k, Type.Optional(s)])) },
    { additionalProperties: false, description: 'One layer: `- <kind>: <options>`, e.g. `- conv2d: { filters: 32 }`.' },
  );
}

/** `model: { type: layers }`. */
export const LayersSchema = Strict(
  {
    layers: Type.Array(entrySchema(BLOCK_DEPTH, true), { minItems: 1, description: 'The trunk, input side first; the task adds its head after the last entry.' }),
    weight_decay: NonNegativeNumber({ description: 'L2 penalty on every conv and dense kernel (heads included).', default: 0 }),
    length_head: Type.Boolean({ description: 'Sequence task: add a (positions+1)-way length head.', default: false }),
  },
  { description: 'A list of layers written in YAML (conv2d, pools, batch_norm, dense, residual and concat blocks, …); the task adds its head.' },
);

/** One entry as the schema leaves it: one kind key (checked by the model, not the schema) plus the common keys. */
export type LayerEntry = { name?: string; trainable?: boolean; repeat?: number } & Record<string, unknown>;

/** The resolved `model:` section of this type. */
export type LayersConfig = Omit<Static<typeof LayersSchema>, 'layers'> & { type: 'layers'; layers: LayerEntry[] };
