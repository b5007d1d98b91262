import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ModelConfig } from '@xp/core';
import { baselineCnn, ModelConfigError, multiheadCnn, type BaselineCnnConfig, type MultiheadCnnConfig, type Trunk } from '@xp/models';
import { describe, expect, it } from 'vitest';
import { disposedAfterEach } from '../../testing/keep-models.testing.js';
import { modelOf, parseTestExperiment, sequenceModel } from '../../testing/experiment.testing.js';
import { sequenceHeads } from './heads.js';

// The sequence task's heads on the models' trunks (the coverage the models package had before heads moved here).
const CLASSES = 11;

const baseline: BaselineCnnConfig = { type: 'baseline-cnn', filters: [2], kernel_size: 3, dense_units: 4, dropout: 0, length_head: false };
const block = { kernel_size: 3, batch_norm: true, pool: true, dropout: 0 };
const multihead: MultiheadCnnConfig = {
  type: 'multihead-cnn',
  blocks: [{ ...block, filters: [2] }],
  heads: 'per_position',
  dense_units: 4,
  dense_dropout: 0,
  head_units: 0,
  head_dropout: 0,
  weight_decay: 0,
  length_head: false,
};
// Two pools without batch norm: a 28×84 canvas ends at a 7×21×8 feature map, 3 slots of 7×7×8 = 392 features.
const shared: MultiheadCnnConfig = {
  ...multihead,
  heads: 'shared',
  blocks: [{ ...block, batch_norm: false, filters: [4] }, { ...block, batch_norm: false, filters: [8] }],
  dense_units: 16,
  dense_dropout: 0.5,
};

const keep = disposedAfterEach();

/** The trunk of `config` on a 28×`width` canvas joined to the sequence heads, as the runner joins them. */
function headed(config: BaselineCnnConfig | MultiheadCnnConfig, positions: number, width = 28 * positions, seed?: number): tf.LayersModel {
  const ctx = { inputShape: [28, width, 1], seed };
  const trunk: Trunk = config.type === 'baseline-cnn' ? baselineCnn.build(config, ctx) : multiheadCnn.build(config, ctx);
  return keep(tf.model({ inputs: trunk.input, outputs: sequenceHeads(trunk, positions, CLASSES) }));
}

/** The model `xp run` builds for `model` on `max_len` positions and a 28·max_len wide canvas. */
async function runModel(model: ModelConfig, maxLen: number, seed = 7): Promise<tf.LayersModel> {
  const exp = await parseTestExperiment(
    `name: t\nseed: ${seed}\ndata: { type: mnist_sequences, max_len: ${maxLen}, canvas: { width: ${28 * maxLen} } }\nmodel: ${JSON.stringify(model)}\n`,
  );
  return keep(modelOf(exp));
}

const names = (m: tf.LayersModel) => m.layers.map((l) => l.name);
const headNames = (m: tf.LayersModel) => names(m).filter((n) => /^head_\d+$/.test(n));
const kernel = (m: tf.LayersModel, layer: string) => Array.from(m.getLayer(layer).getWeights()[0].dataSync());
const predictShapes = (m: tf.LayersModel, width: number) =>
  tf.tidy(() => [m.predict(tf.zeros([2, 28, width, 1]))].flat().map((t) => (t as tf.Tensor).shape));
const catchError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
};

describe('stacked digit head (baseline-cnn)', () => {
  it.each([1, 2, 3, 4])('L = %i: maps a 28×(28·L) canvas to digits [null, L, 11] through digit_logits, as xp run builds it', async (L) => {
    const m = await runModel(baseline, L);
    expect(m.inputs[0].shape).toEqual([null, 28, 28 * L, 1]);
    expect(m.outputNames).toEqual(['digits']);
    expect(m.outputs[0].shape).toEqual([null, L, CLASSES]);
    expect(m.getLayer('digit_logits').outputShape).toEqual([null, L * CLASSES]);
    // One Dense(L·11) on the 4 dense units: 4·L·11 weights + L·11 biases.
    expect(m.getLayer('digit_logits').countParams()).toBe(4 * L * 11 + L * 11);
    // conv 3·3·1·2 + 2 = 20; pooled 14 × 14L × 2 = 392L → dense 392L·4 + 4; heads as above.
    expect(m.countParams()).toBe(20 + (392 * L * 4 + 4) + (4 * L * 11 + L * 11));
    expect(headNames(m)).toEqual([]);
    expect(predictShapes(m, 28 * L)).toEqual([[2, L, CLASSES]]);
  });

  it('counts dense_units·L·11 + L·11 head parameters for the default 128 dense units', () => {
    const m = headed({ ...baseline, dense_units: 128 }, 3);
    expect(m.getLayer('digit_logits').countParams()).toBe(128 * 3 * 11 + 3 * 11);
  });

  it('adds a length head of maxLen + 1 logits on the dense features', async () => {
    const m = await runModel({ ...baseline, length_head: true }, 3);
    expect(m.outputNames).toEqual(['digits', 'length']);
    expect(m.outputs.map((o) => o.shape)).toEqual([
      [null, 3, CLASSES],
      [null, 4],
    ]);
    // 4 dense units → 4 logits: 4·4 + 4.
    expect(m.getLayer('length').countParams()).toBe(4 * 4 + 4);
    expect(m.countParams()).toBe(20 + 4708 + 165 + 20);
    expect(predictShapes(m, 84)).toEqual([
      [2, 3, CLASSES],
      [2, 4],
    ]);
  });
});

describe('per-position digit heads (multihead-cnn)', () => {
  it.each([1, 2, 3, 4])('builds heads head_0… for %i position(s)', async (L) => {
    const m = await runModel(multihead, L);
    expect(m.outputNames).toEqual(['digits']);
    expect(m.outputs[0].shape).toEqual([null, L, CLASSES]);
    expect(headNames(m)).toEqual(Array.from({ length: L }, (_, i) => `head_${i}`));
    for (const head of headNames(m)) expect(m.getLayer(head).countParams()).toBe(4 * 11 + 11);
    // conv 3·3·1·2 = 18 (no bias under batch norm); batch norm 4·2 = 8; dense 392L·4 + 4; L heads of 4·11 + 11.
    expect(m.countParams()).toBe(18 + 8 + (392 * L * 4 + 4) + L * 55);
    expect(predictShapes(m, 28 * L)).toEqual([[2, L, CLASSES]]);
  });

  it('reshapes a single head straight into digits, without a concatenate', () => {
    const m = headed(multihead, 1);
    expect(headNames(m)).toEqual(['head_0']);
    expect(names(m)).not.toContain('head_0_row');
    expect(m.layers.some((l) => l.getClassName() === 'Concatenate')).toBe(false);
    expect(m.getLayer('digits').getClassName()).toBe('Reshape');
    expect(m.outputs[0].shape).toEqual([null, 1, CLASSES]);
    // Several heads are stacked by a concatenate named digits.
    const two = headed(multihead, 2);
    expect(two.getLayer('digits').getClassName()).toBe('Concatenate');
    expect(names(two)).toEqual(expect.arrayContaining(['head_0_row', 'head_1_row']));
  });

  it('adds hidden layers of head_units with dropout to every head', () => {
    const m = headed({ ...multihead, head_units: 8, head_dropout: 0.3 }, 2, 84);
    expect(names(m)).toEqual(expect.arrayContaining(['head_0_hidden', 'head_0_dropout', 'head_1_hidden', 'head_1_dropout']));
    for (const i of [0, 1]) {
      expect(m.getLayer(`head_${i}_hidden`).countParams()).toBe(4 * 8 + 8);
      expect(m.getLayer(`head_${i}_hidden`).getConfig().activation).toBe('relu');
      expect(m.getLayer(`head_${i}_dropout`).getConfig().rate).toBe(0.3);
      expect(m.getLayer(`head_${i}`).countParams()).toBe(8 * 11 + 11);
    }
    // pooled 14×42×2 = 1176 → dense 1176·4 + 4 = 4708; two heads of 40 + 99.
    expect(m.countParams()).toBe(18 + 8 + 4708 + 2 * (40 + 99));
    // No dropout layer without head_dropout, no hidden layer without head_units.
    expect(names(headed({ ...multihead, head_units: 8 }, 2)).filter((n) => n.endsWith('_dropout'))).toEqual([]);
    expect(names(headed(multihead, 2)).filter((n) => n.endsWith('_hidden'))).toEqual([]);
  });

  it('adds a length head of maxLen + 1 logits', () => {
    const m = headed({ ...multihead, length_head: true }, 4);
    expect(m.outputNames).toEqual(['digits', 'length']);
    expect(m.outputs[1].shape).toEqual([null, 5]);
    expect(m.getLayer('length').countParams()).toBe(4 * 5 + 5);
    // pooled 14×56×2 = 1568 → dense 1568·4 + 4 = 6276; 4 heads of 55; length 25.
    expect(m.countParams()).toBe(18 + 8 + 6276 + 4 * 55 + 25);
    expect(predictShapes(m, 112)).toEqual([
      [2, 4, CLASSES],
      [2, 5],
    ]);
  });

  it('puts the weight_decay L2 penalty on every head kernel, and none without it', () => {
    const heads = ['head_0_hidden', 'head_0', 'head_1_hidden', 'head_1', 'length'];
    const m = headed({ ...multihead, head_units: 3, weight_decay: 1e-2, length_head: true }, 2, 84, 5);
    for (const name of heads) {
      expect(m.getLayer(name).getConfig().kernelRegularizer).toMatchObject({ config: { l2: 1e-2 } });
      expect(m.getLayer(name).losses).toHaveLength(1);
    }
    // The model's regularisation losses are 0.01·Σk² of each regularised kernel (conv, dense and the heads).
    const regularised = ['block_0_conv_0', 'dense', ...heads];
    const want = regularised.map((n) => 1e-2 * kernel(m, n).reduce((s, v) => s + v * v, 0));
    const got = tf.tidy(() => m.calculateLosses().map((l) => l.dataSync()[0]));
    expect(got).toHaveLength(regularised.length);
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(want.reduce((a, b) => a + b, 0), 5);

    const plain = headed({ ...multihead, head_units: 3, length_head: true }, 2);
    for (const name of heads) {
      expect(plain.getLayer(name).getConfig().kernelRegularizer).toBeNull();
      expect(plain.getLayer(name).losses).toHaveLength(0);
    }
    expect(plain.calculateLosses()).toEqual([]);
  });

  it('gives each head its own initial weights, the same for every build with the seed', () => {
    const o = { ...multihead, head_units: 3, length_head: true };
    const heads = ['head_0_hidden', 'head_0', 'head_1_hidden', 'head_1', 'head_2_hidden', 'head_2', 'length'];
    const weights = (seed: number) => {
      const m = headed(o, 3, 84, seed);
      return Object.fromEntries(heads.map((n) => [n, kernel(m, n)]));
    };
    const a = weights(42);
    expect(a.head_0).not.toEqual(a.head_1);
    expect(a.head_1).not.toEqual(a.head_2);
    expect(a.head_0_hidden).not.toEqual(a.head_1_hidden);
    expect(weights(42)).toEqual(a);
    const b = weights(43);
    for (const n of heads) expect(b[n]).not.toEqual(a[n]);
  });

  it('takes the head initialisers after the trunk, in head order (seed·1000 + n for the n-th kernel)', () => {
    const m = headed({ ...multihead, head_units: 3, length_head: true }, 2, 84, 42);
    // Kernels 1 (conv) and 2 (dense) are the trunk's; then each head's hidden layer and classifier; the length head last.
    const expected = { head_0_hidden: [3, [4, 3]], head_0: [4, [3, 11]], head_1_hidden: [5, [4, 3]], head_1: [6, [3, 11]], length: [7, [4, 3]] } as const;
    for (const [name, [n, shape]] of Object.entries(expected)) {
      const want = tf.tidy(() => Array.from(tf.initializers.glorotUniform({ seed: 42 * 1000 + n }).apply([...shape]).dataSync()));
      expect(kernel(m, name)).toEqual(want);
    }
  });
});

describe('shared slot digit heads (multihead-cnn, heads: shared)', () => {
  it('reads every slot with one slot_dense layer and no per-position heads', async () => {
    const m = await sequenceModel(shared);
    keep(m);
    expect(m.outputNames).toEqual(['digits']);
    expect(m.outputs[0].shape).toEqual([null, 3, CLASSES]);
    expect(m.getLayer('slot_features').outputShape).toEqual([null, 3, 392]);
    expect(m.getLayer('slot_dense').getWeights()[0].shape).toEqual([392, 16]);
    expect(m.getLayer('slot_dense').countParams()).toBe(392 * 16 + 16);
    expect(m.getLayer('digits').countParams()).toBe(16 * 11 + 11);
    expect(m.getLayer('slot_dropout').getConfig().rate).toBe(0.5);
    expect(headNames(m)).toEqual([]);
    expect(names(m)).not.toContain('flatten');
    // conv 3·3·1·4 + 4 = 40; conv 3·3·4·8 + 8 = 296; slot_dense 6288; digits 187.
    expect(m.countParams()).toBe(40 + 296 + (392 * 16 + 16) + (16 * 11 + 11));
  });

  it('changes only slot 1\'s logits for a digit-like blob drawn in slot 1 (inference, no dropout)', () => {
    const m = headed(shared, 3, 84, 3);
    const [blank, one] = tf.tidy(() => {
      const x = tf.buffer([2, 28, 84, 1]);
      // Pixels 36..47 of slot 1 (28..55): far enough from the slot edges for the two 3×3 convs and pools.
      for (let r = 6; r < 22; r++) for (let c = 36; c < 48; c++) x.set(1, 1, r, c, 0);
      const y = m.predict(x.toTensor()) as tf.Tensor;
      return [y.slice([0], [1]).arraySync(), y.slice([1], [1]).arraySync()] as number[][][][];
    });
    const maxDiff = (slot: number) => Math.max(...one[0][slot].map((v, k) => Math.abs(v - blank[0][slot][k])));
    expect(maxDiff(0)).toBeLessThan(1e-5);
    expect(maxDiff(2)).toBeLessThan(1e-5);
    expect(maxDiff(1)).toBeGreaterThan(1e-4);
    // Inference is deterministic despite slot_dropout.
    const again = tf.tidy(() => (m.predict(tf.zeros([1, 28, 84, 1])) as tf.Tensor).arraySync() as number[][][]);
    expect(Math.max(...again[0][0].map((v, k) => Math.abs(v - blank[0][0][k])))).toBeLessThan(1e-6);
  });

  it('adds a length head of maxLen + 1 logits on the flattened feature map', () => {
    const m = headed({ ...shared, length_head: true }, 3);
    expect(m.outputNames).toEqual(['digits', 'length']);
    expect(m.outputs[1].shape).toEqual([null, 4]);
    // flatten 7×21×8 = 1176 → 4 logits.
    expect(m.getLayer('length').countParams()).toBe(1176 * 4 + 4);
    expect(predictShapes(m, 84)).toEqual([
      [2, 3, CLASSES],
      [2, 4],
    ]);
  });

  it('rejects a feature map whose width does not divide by the positions, blaming model.heads', () => {
    // One pool: 28×84 → 14×42×4, and 42 does not divide by 4 positions.
    const trunk = multiheadCnn.build({ ...shared, blocks: [{ ...block, filters: [4] }] }, { inputShape: [28, 84, 1] });
    keep(tf.model({ inputs: trunk.input, outputs: trunk.featureMap as tf.SymbolicTensor }));
    const e = catchError(() => sequenceHeads(trunk, 4, CLASSES));
    expect(e).toBeInstanceOf(ModelConfigError);
    expect(e).toMatchObject({ code: 'XP_CONFIG_MODEL_SHAPE', pointer: '/model/heads' });
    expect((e as Error).message).toContain('divides by the 4 positions');
    expect((e as Error).message).toContain('14×42×4');
    // 42 divides by 3 (and by 2): those build.
    expect(() => sequenceHeads(trunk, 3, CLASSES)).not.toThrow();
  });

  it('reports the shape error as a config error at model.heads when xp run builds the model', async () => {
    // One pool: 28×116 → 14×58, and 58 does not divide by 4 positions.
    const exp = await parseTestExperiment(
      `name: t\ndata: { type: mnist_sequences, max_len: 4, canvas: { width: 116 } }\nmodel: ${JSON.stringify({ ...shared, blocks: [{ filters: [4] }] })}\n`,
    );
    const e = catchError(() => keep(modelOf(exp)));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).cause).toBeInstanceOf(ModelConfigError);
    expect((e as ConfigError).issues).toMatchObject([{ path: 'model.heads', message: expect.stringContaining('the trunk ends at 14×58×4') }]);
  });
});

describe('tensor memory', () => {
  it('leaves no tensors behind once the models are disposed', async () => {
    const before = tf.memory().numTensors;
    const configs: ModelConfig[] = [
      { ...baseline, length_head: true },
      { ...multihead, head_units: 3, head_dropout: 0.2, weight_decay: 1e-4, length_head: true },
      { ...shared, length_head: true },
    ];
    for (const config of configs) {
      const m = await sequenceModel(config, 11);
      tf.tidy(() => {
        m.predict(tf.zeros([2, 28, 84, 1]));
        m.calculateLosses();
      });
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
