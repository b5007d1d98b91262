import * as tf from '@tensorflow/tfjs-node-gpu';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelConfigError } from './errors.js';
import { buildMultiheadCnn, type MultiheadCnnOptions } from './multihead-cnn.js';

const block = { kernel_size: 3, batch_norm: true, pool: true, dropout: 0 };
// The schema's defaults: the reference net.
const reference: MultiheadCnnOptions = {
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
const tiny: MultiheadCnnOptions = { ...reference, blocks: [{ ...block, filters: [2] }], dense_units: 4, dense_dropout: 0 };
const shape = (width: number, maxLen: number, seed?: number) => ({ height: 28, width, maxLen, numClasses: 11, seed });

let built: tf.LayersModel[] = [];
const build = (o: MultiheadCnnOptions, s: ReturnType<typeof shape>) => {
  const m = buildMultiheadCnn(o, s);
  built.push(m);
  return m;
};
afterEach(() => {
  built.forEach((m) => m.dispose());
  built = [];
});
const names = (m: tf.LayersModel) => m.layers.map((l) => l.name);

describe('buildMultiheadCnn', () => {
  it('shared heads: one classifier reads each position\'s slot of the feature map', () => {
    const shared: MultiheadCnnOptions = {
      ...reference,
      heads: 'shared',
      blocks: [{ ...block, batch_norm: false, filters: [4] }, { ...block, batch_norm: false, filters: [8] }],
      dense_units: 16,
    };
    const m = build(shared, shape(84, 3));
    expect(m.outputs[0].shape).toEqual([null, 3, 11]);
    // 7×21×8 feature map → 3 slots of 7×7×8 = 392 features; the dense layer is shared, not per position.
    expect(m.getLayer('slot_dense').getWeights()[0].shape).toEqual([392, 16]);
    expect(names(m).filter((n) => /^head_\d+$/.test(n))).toEqual([]);
    // A digit drawn only in slot 1 changes slot 1's logits and leaves slots 0 and 2 as for a blank canvas.
    const [blank, one] = tf.tidy(() => {
      const x = tf.buffer([2, 28, 84, 1]);
      for (let r = 8; r < 20; r++) for (let c = 36; c < 48; c++) x.set(1, 1, r, c, 0);
      const y = m.predict(x.toTensor()) as tf.Tensor;
      return [y.slice([0], [1]).arraySync(), y.slice([1], [1]).arraySync()] as number[][][][];
    });
    expect(one[0][0][0]).toBeCloseTo(blank[0][0][0], 5);
    expect(one[0][2][0]).toBeCloseTo(blank[0][2][0], 5);
    expect(Math.abs(one[0][1][0] - blank[0][1][0])).toBeGreaterThan(1e-6);
  });

  it('shared heads reject a feature map whose width does not divide by max_len', () => {
    const shared: MultiheadCnnOptions = { ...reference, heads: 'shared', blocks: [{ ...block, filters: [4] }] };
    expect(() => build(shared, shape(84, 4))).toThrow(/divides by max_len=4/);
  });

  it.each([84, 112].flatMap((width) => [1, 2, 3, 4].map((maxLen) => ({ width, maxLen }))))(
    'maps [null, 28, $width, 1] to digits [null, $maxLen, 11] with one head per position',
    ({ width, maxLen }) => {
      const m = build(reference, shape(width, maxLen));
      expect(m.inputs[0].shape).toEqual([null, 28, width, 1]);
      expect(m.outputNames).toEqual(['digits']);
      expect(m.outputs[0].shape).toEqual([null, maxLen, 11]);
      expect(names(m).filter((n) => /^head_\d+$/.test(n))).toEqual(Array.from({ length: maxLen }, (_, i) => `head_${i}`));
      const y = tf.tidy(() => (m.predict(tf.zeros([2, 28, width, 1])) as tf.Tensor).shape);
      expect(y).toEqual([2, maxLen, 11]);
    },
  );

  it('builds the reference trunk from the default blocks', () => {
    const m = build(reference, shape(84, 3));
    expect(names(m).slice(0, 18)).toEqual([
      'image',
      ...['block_0_conv_0', 'block_0_conv_1'].flatMap((c) => [c, `${c}_bn`, `${c}_relu`]),
      'block_0_pool',
      ...['block_1_conv_0', 'block_1_conv_1'].flatMap((c) => [c, `${c}_bn`, `${c}_relu`]),
      'block_1_pool',
      'flatten',
      'dense',
      'dense_dropout',
    ]);
    expect(m.getLayer('block_1_pool').outputShape).toEqual([null, 7, 21, 128]);
  });

  it('drops the conv bias only under batch norm', () => {
    const params = (batch_norm: boolean) => build({ ...tiny, blocks: [{ ...block, batch_norm, filters: [2] }] }, shape(84, 1)).getLayer('block_0_conv_0').countParams();
    expect(params(true)).toBe(18);
    expect(params(false)).toBe(20);
  });

  it('adds hidden head layers of head_units with dropout', () => {
    const m = build({ ...tiny, head_units: 8, head_dropout: 0.3 }, shape(84, 2));
    expect(names(m)).toEqual(expect.arrayContaining(['head_0_hidden', 'head_0_dropout', 'head_1_hidden', 'head_1_dropout']));
    expect(m.getLayer('head_1_hidden').countParams()).toBe(4 * 8 + 8);
    expect(m.getLayer('head_1').countParams()).toBe(8 * 11 + 11);
  });

  it('puts an L2 penalty of weight_decay on conv and dense kernels', () => {
    const m = build({ ...tiny, weight_decay: 1e-4 }, shape(84, 2));
    for (const name of ['block_0_conv_0', 'dense', 'head_0', 'head_1']) {
      expect(m.getLayer(name).getConfig().kernelRegularizer).toMatchObject({ config: { l2: 1e-4 } });
    }
    expect(build(tiny, shape(84, 2)).getLayer('dense').getConfig().kernelRegularizer).toBeNull();
  });

  it('adds a length head of maxLen + 1 logits', () => {
    const m = build({ ...tiny, length_head: true }, shape(112, 4));
    expect(m.outputNames).toEqual(['digits', 'length']);
    expect(m.outputs[1].shape).toEqual([null, 5]);
  });

  it('gives identical weights for the same seed', () => {
    const values = (seed: number) => build({ ...tiny, head_units: 3 }, shape(84, 3, seed)).getWeights().map((w) => Array.from(w.dataSync()));
    expect(values(42)).toEqual(values(42));
    expect(values(42)).not.toEqual(values(43));
  });

  it('gives each head its own initial weights', () => {
    const m = build(tiny, shape(84, 2, 1));
    const kernel = (n: string) => Array.from(m.getLayer(n).getWeights()[0].dataSync());
    expect(kernel('head_0')).not.toEqual(kernel('head_1'));
  });

  it('names the block whose pool would empty the feature map, counting only pooling blocks', () => {
    const blocks = [true, true, false, true, true, true].map((pool) => ({ ...block, pool, filters: [2] }));
    const tensorsBefore = tf.memory().numTensors;
    expect(() => buildMultiheadCnn({ ...tiny, blocks }, shape(84, 3))).toThrow(
      new ModelConfigError(
        'XP_CONFIG_MODEL_SHAPE',
        'model.blocks[5]: max-pool layer block_5_pool (pool 5) would shrink its 1×5 input to 0×2; the 28×84 canvas takes at most 4 pools. ' +
          'Use fewer pooling layers or a larger data.canvas.',
      ),
    );
    // checked before any layer (and its weights) exists
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(() => build({ ...tiny, blocks: blocks.slice(0, 5) }, shape(84, 3))).not.toThrow();
  });
});
