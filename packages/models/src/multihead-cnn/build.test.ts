import * as tf from '@tensorflow/tfjs-node-gpu';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelConfigError } from '../errors.js';
import { buildMultiheadCnn, multiheadCnn } from './build.js';
import type { MultiheadCnnConfig } from './schema.js';

// The trunk only: the per-position and shared heads are the sequence task's, tested in the runner.
const block = { kernel_size: 3, batch_norm: true, pool: true, dropout: 0 };
// The schema's defaults: the reference net.
const reference: MultiheadCnnConfig = {
  type: 'multihead-cnn',
  blocks: [{ ...block, filters: [32, 64] }, { ...block, filters: [128, 128] }],
  heads: 'per_position',
  dense_units: 512,
  dense_dropout: 0.5,
  head_units: 0,
  head_dropout: 0,
  weight_decay: 0,
  length_head: false,
};
const tiny: MultiheadCnnConfig = { ...reference, blocks: [{ ...block, filters: [2] }], dense_units: 4, dense_dropout: 0 };
const image = (width: number, seed?: number) => ({ inputShape: [28, width, 1], seed });

let built: tf.LayersModel[] = [];
/** The trunk and a model of its features (which owns, and frees, its layers). */
const build = (o: MultiheadCnnConfig, ctx: ReturnType<typeof image>) => {
  const trunk = buildMultiheadCnn(o, ctx);
  const model = tf.model({ inputs: trunk.input, outputs: trunk.features() });
  built.push(model);
  return { trunk, model };
};
afterEach(() => {
  built.forEach((m) => m.dispose());
  built = [];
});
const names = (m: tf.LayersModel) => m.layers.map((l) => l.name);

describe('buildMultiheadCnn', () => {
  it.each([
    { width: 84, mapWidth: 21 },
    { width: 112, mapWidth: 28 },
  ])('maps [null, 28, $width, 1] to a 7×$mapWidth×128 feature map and 512 features', ({ width, mapWidth }) => {
    const { trunk, model } = build(reference, image(width));
    expect(trunk.type).toBe('multihead-cnn');
    expect(trunk.input.shape).toEqual([null, 28, width, 1]);
    expect(trunk.featureMap?.shape).toEqual([null, 7, mapWidth, 128]);
    expect(trunk.flat().shape).toEqual([null, 7 * mapWidth * 128]);
    expect(trunk.features().shape).toEqual([null, 512]);
    const y = tf.tidy(() => (model.predict(tf.zeros([2, 28, width, 1])) as tf.Tensor).shape);
    expect(y).toEqual([2, 512]);
  });

  it('builds the reference trunk from the default blocks', () => {
    const { model } = build(reference, image(84));
    expect(names(model)).toEqual([
      'image',
      ...['block_0_conv_0', 'block_0_conv_1'].flatMap((c) => [c, `${c}_bn`, `${c}_relu`]),
      'block_0_pool',
      ...['block_1_conv_0', 'block_1_conv_1'].flatMap((c) => [c, `${c}_bn`, `${c}_relu`]),
      'block_1_pool',
      'flatten',
      'dense',
      'dense_dropout',
    ]);
    expect(model.getLayer('block_1_pool').outputShape).toEqual([null, 7, 21, 128]);
  });

  it('adds block dropout and leaves out pools and dense dropout when asked', () => {
    const { trunk, model } = build({ ...tiny, blocks: [{ ...block, filters: [2], dropout: 0.2 }, { ...block, filters: [2], pool: false }] }, image(84));
    expect(names(model)).toEqual([
      'image',
      'block_0_conv_0',
      'block_0_conv_0_bn',
      'block_0_conv_0_relu',
      'block_0_pool',
      'block_0_dropout',
      'block_1_conv_0',
      'block_1_conv_0_bn',
      'block_1_conv_0_relu',
      'flatten',
      'dense',
    ]);
    expect(trunk.featureMap?.shape).toEqual([null, 14, 42, 2]);
  });

  it('drops the conv bias only under batch norm', () => {
    const params = (batch_norm: boolean) => build({ ...tiny, blocks: [{ ...block, batch_norm, filters: [2] }] }, image(84)).model.getLayer('block_0_conv_0').countParams();
    expect(params(true)).toBe(18);
    expect(params(false)).toBe(20);
  });

  it('has the hand-counted number of parameters', () => {
    // conv 3·3·1·2 = 18 (no bias); batch norm 4·2 = 8; pooled 14×42×2 = 1176 → dense 1176·4 + 4 = 4708.
    const { model } = build(tiny, image(84));
    expect(model.getLayer('block_0_conv_0_bn').countParams()).toBe(8);
    expect(model.getLayer('dense').countParams()).toBe(4708);
    expect(model.countParams()).toBe(18 + 8 + 4708);
  });

  it('puts an L2 penalty of weight_decay on conv and dense kernels, and hands it to the heads', () => {
    const { trunk, model } = build({ ...tiny, weight_decay: 1e-4 }, image(84));
    for (const name of ['block_0_conv_0', 'dense']) {
      expect(model.getLayer(name).getConfig().kernelRegularizer).toMatchObject({ config: { l2: 1e-4 } });
    }
    expect(trunk.kernelRegularizer?.getConfig()).toMatchObject({ l2: 1e-4 });
    const plain = build(tiny, image(84));
    expect(plain.model.getLayer('dense').getConfig().kernelRegularizer).toBeNull();
    expect(plain.trunk.kernelRegularizer).toBeUndefined();
  });

  it('asks the sequence task for the head style of its options', () => {
    expect(build({ ...tiny, head_units: 8, head_dropout: 0.3 }, image(84)).trunk.heads).toEqual({
      kind: 'per_position',
      hiddenUnits: 8,
      dropout: 0.3,
      lengthHead: false,
    });
    // Shared heads reuse the dense layer's size and dropout for the slot layer.
    expect(build({ ...tiny, heads: 'shared', dense_units: 16, dense_dropout: 0.1, length_head: true }, image(84)).trunk.heads).toEqual({
      kind: 'shared',
      hiddenUnits: 16,
      dropout: 0.1,
      lengthHead: true,
    });
  });

  it('gives identical weights for the same seed', () => {
    const values = (seed: number) => build(tiny, image(84, seed)).model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(values(42)).toEqual(values(42));
    expect(values(42)).not.toEqual(values(43));
  });

  it('names the block whose pool would empty the feature map, counting only pooling blocks', () => {
    const blocks = [true, true, false, true, true, true].map((pool) => ({ ...block, pool, filters: [2] }));
    const tensorsBefore = tf.memory().numTensors;
    expect(() => buildMultiheadCnn({ ...tiny, blocks }, image(84))).toThrow(
      new ModelConfigError(
        'XP_CONFIG_MODEL_SHAPE',
        'model.blocks[5]: its 2×2 max-pool block_5_pool (pool 5 of the model) would shrink the 1×5 feature map to 0×2; ' +
          'a 28×84 input takes at most 4 pools (28×84 → 14×42 → 7×21 → 3×10 → 1×5): set pool: false on this block or remove a block, or enlarge the input image',
        { pointer: '/model/blocks/5' },
      ),
    );
    // checked before any layer (and its weights) exists
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(() => build({ ...tiny, blocks: blocks.slice(0, 5) }, image(84))).not.toThrow();
  });

  it('rejects an input that is not an image as a config error', () => {
    expect(() => buildMultiheadCnn(tiny, { inputShape: [10] })).toThrow(
      new ModelConfigError('XP_CONFIG_MODEL_SHAPE', 'model multihead-cnn takes images [height, width, channels], but the data gives [10]; choose a model for this data.'),
    );
  });
});

describe('multiheadCnn (registry entry)', () => {
  it('checks the pools against the input shape, counting only pooling blocks', () => {
    const blocks = (pools: boolean[]) => pools.map((pool) => ({ ...block, pool, filters: [2] }));
    expect(multiheadCnn.accepts).toEqual(['image']);
    expect(multiheadCnn.checks?.({ ...tiny, blocks: blocks([true, true, true, true, false]) }, [28, 84, 1])).toEqual([]);
    expect(multiheadCnn.checks?.({ ...tiny, blocks: blocks([true, true, true, true, false, true]) }, [28, 84, 1])).toEqual([
      {
        pointer: '/model/blocks/5',
        message:
          'model.blocks[5]: its 2×2 max-pool block_5_pool (pool 5 of the model) would shrink the 1×5 feature map to 0×2; ' +
          'a 28×84 input takes at most 4 pools (28×84 → 14×42 → 7×21 → 3×10 → 1×5): set pool: false on this block or remove a block, or enlarge the input image',
      },
    ]);
  });
});
