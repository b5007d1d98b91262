import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '@xp/core';
import { sequenceModel } from '../../testing/experiment.testing.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuBf16Flags } from './bfloat16.js';
import { bf16EdgeNames, nativeLayerNames, tfjsLayerClasses, trainingForward } from './training-forward.js';
import { expectClose } from '../expect-close.testing.js';
import { allLayersModel, batchNormNames } from './all-layers.testing.js';

const baseline: ModelConfig = { type: 'baseline-cnn', filters: [4, 8], kernel_size: 3, dense_units: 16, dropout: 0, length_head: true };
const block = { kernel_size: 3, batch_norm: false, pool: true, dropout: 0 };
const shared: ModelConfig = {
  type: 'multihead-cnn',
  blocks: [{ ...block, filters: [4], kernel_size: 5 }, { ...block, filters: [8] }, { ...block, filters: [8], pool: false }],
  heads: 'shared',
  dense_units: 16,
  dense_dropout: 0,
  head_units: 0,
  head_dropout: 0,
  weight_decay: 0,
  length_head: false,
};
// Batch norm (fused with the ReLU and pooling after it) and the per-position heads' concatenation.
const perPositionBn: ModelConfig = {
  ...shared,
  blocks: [{ ...block, filters: [4], batch_norm: true }],
  heads: 'per_position',
  head_units: 8,
  length_head: true,
};

const models: tf.LayersModel[] = [];
afterEach(async () => {
  models.splice(0).forEach((m) => m.dispose());
  await tf.setBackend('tensorflow');
});

/** Outputs and gradients of a fixed loss w.r.t. every trainable weight, through `forward`. */
function run(model: tf.LayersModel, forward: (x: tf.Tensor) => tf.Tensor | tf.Tensor[], input?: tf.Tensor) {
  return tf.tidy(() => {
    const x = input ?? tf.randomUniform([3, 28, 84, 1], 0, 1, 'float32', 1);
    const outs = [forward(x)].flat();
    const probes = outs.map((o, i) => tf.randomUniform(o.shape, -1, 1, 'float32', 10 + i));
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.addN([forward(x)].flat().map((o, i) => tf.sum(tf.mul(o, probes[i])))) as tf.Scalar, vars);
    return { outs: outs.map((o) => o.arraySync()), loss: value.arraySync(), grads: vars.map((v) => grads[v.name].arraySync()) };
  });
}

const flat = (a: unknown) => [a].flat(Infinity as 1) as number[];
/** Relative L2 error of a against b. */
function l2(a: unknown, b: unknown) {
  const [x, y] = [flat(a), flat(b)];
  let [d2, b2] = [0, 0];
  x.forEach((v, i) => {
    d2 += (v - y[i]) ** 2;
    b2 += y[i] ** 2;
  });
  return Math.sqrt(d2 / b2);
}

describe('trainingForward', () => {
  for (const [name, config] of Object.entries({ baseline, shared, perPositionBn })) {
    it(`gives model.apply's training outputs and gradients (${name})`, async () => {
      const model = await sequenceModel(config);
      models.push(model);
      const native = run(model, trainingForward(model));
      const expected = run(model, (x) => model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]);
      expect(native.outs.length).toBe(expected.outs.length);
      native.outs.forEach((o, i) => expectClose(o, expected.outs[i]));
      expect(native.loss).toBeCloseTo(expected.loss, 3);
      native.grads.forEach((g, i) => expectClose(g, expected.grads[i], 3));
    });
  }

  it('fuses conv [→ relu] → pool chains whose intermediates nothing else reads', async () => {
    const model = await sequenceModel(shared);
    models.push(model);
    expect(nativeLayerNames(model)).toEqual([
      'block_0_conv_0', 'block_0_conv_0_relu', 'block_0_pool', 'block_1_conv_0', 'block_1_conv_0_relu', 'block_1_pool',
      'block_2_conv_0', 'block_2_conv_0_relu', 'slots', 'slots_first', 'slot_features', 'slot_dense', 'digits',
    ]);
  });

  it('runs convolutions, batch norm, pooling, dense, ReLU, layout and concatenate layers natively', async () => {
    const model = await sequenceModel(perPositionBn);
    models.push(model);
    expect(nativeLayerNames(model)).toEqual([
      'block_0_conv_0', 'block_0_conv_0_bn', 'block_0_conv_0_relu', 'block_0_pool', 'flatten', 'dense', 'head_0_hidden', 'head_0', 'head_0_row',
      'head_1_hidden', 'head_1', 'head_1_row', 'head_2_hidden', 'head_2', 'head_2_row', 'digits', 'length',
    ]);
    expect(tfjsLayerClasses(model)).toEqual([]);
  });

  it('applies dropout in training mode', async () => {
    const model = await sequenceModel({ ...shared, dense_dropout: 0.5 });
    models.push(model);
    const forward = trainingForward(model);
    const x = tf.ones([4, 28, 84, 1]);
    const a = (forward(x) as tf.Tensor).arraySync();
    const b = (forward(x) as tf.Tensor).arraySync();
    expect(a).not.toEqual(b); // fresh dropout masks
    expect((model.apply(x, { training: false }) as tf.Tensor).arraySync()).toEqual(model.predict(x).arraySync());
  });

  it('runs dropout with a noise shape and SpatialDropout1D natively, a seeded dropout through its tfjs call', () => {
    const input = tf.input({ shape: [4, 6, 3] });
    let x = tf.layers.dropout({ rate: 0.5, noiseShape: [null, 1, 1, 3] as number[], name: 'spatial' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.reshape({ targetShape: [24, 3], name: 'rows' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.spatialDropout1d({ rate: 0.5, name: 'spatial1d' }).apply(x) as tf.SymbolicTensor;
    const seeded = tf.layers.dropout({ rate: 0.5, seed: 1, name: 'seeded' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [x, seeded] });
    models.push(model);
    expect(nativeLayerNames(model)).toEqual(['spatial', 'rows', 'spatial1d']);
    expect(tfjsLayerClasses(model)).toEqual(['Dropout']);
    // Each (image, channel) map is dropped or kept whole by the first layer, and each (image, channel) row by the second.
    const y = tf.tidy(() => ((trainingForward(model)(tf.ones([64, 4, 6, 3])) as tf.Tensor[])[0]).reshape([64, 24, 3]));
    const zeros = tf.tidy(() => tf.sum(tf.cast(tf.equal(y, 0), 'float32'), 1).dataSync());
    expect(Array.from(zeros).every((z) => z === 0 || z === 24)).toBe(true);
  });

  it('is model.apply on a backend without native ops', async () => {
    const model = await sequenceModel(baseline);
    models.push(model);
    const x = tf.randomUniform([2, 28, 84, 1], 0, 1, 'float32', 3);
    const native = [trainingForward(model)(x)].flat().map((t) => t.arraySync());
    const data = x.arraySync();
    await tf.setBackend('cpu');
    const cpuX = tf.tensor(data);
    expect(nativeLayerNames(model)).toEqual([]);
    const fallback = [trainingForward(model)(cpuX)].flat().map((t) => t.arraySync());
    native.forEach((o, i) => expectClose(o, fallback[i]));
  });
});

const bf16Flags = cpuBf16Flags();
describe.skipIf(!bf16Flags.avx512_bf16 && !bf16Flags.amx_bf16)('trainingForward under mixed_bfloat16', () => {
  it('keeps activations bf16 only along edges between native bf16 steps, each output with one reader', async () => {
    const [b, sh, bn] = [await sequenceModel(baseline), await sequenceModel(shared), await sequenceModel(perPositionBn)];
    models.push(b, sh, bn);
    const edges = (m: tf.LayersModel) => bf16EdgeNames(m, { precision: 'mixed_bfloat16' });
    // Through the layout layers (flatten, the slot reshapes and permute) to the dense that reads them; into the
    // output reshape, which casts out.
    expect(edges(b)).toEqual(['pool_0→conv_1', 'pool_1→flatten', 'flatten→dense', 'digit_logits→digits']);
    expect(edges(sh)).toEqual([
      'block_0_pool→block_1_conv_0', 'block_1_pool→block_2_conv_0', 'block_2_conv_0_relu→slots', 'slots→slots_first',
      'slots_first→slot_features', 'slot_features→slot_dense', 'slot_dense→digits',
    ]);
    // Into batch norm (fused with its ReLU and pooling) and out through flatten; the dense's output has four
    // readers (3 heads, length).
    expect(edges(bn)).toEqual(['block_0_conv_0→block_0_conv_0_bn', 'block_0_pool→flatten', 'flatten→dense', 'head_0_hidden→head_0', 'head_0→head_0_row', 'head_1_hidden→head_1', 'head_1→head_1_row', 'head_2_hidden→head_2', 'head_2→head_2_row']);
    expect(bf16EdgeNames(sh)).toEqual([]);
  });

  for (const [name, config] of Object.entries({ baseline, shared, perPositionBn })) {
    it(`gives float32's outputs and gradients within bf16's tolerance (${name})`, async () => {
      const model = await sequenceModel(config);
      models.push(model);
      const bf16 = run(model, trainingForward(model, { precision: 'mixed_bfloat16' }));
      const f32 = run(model, trainingForward(model));
      bf16.outs.forEach((o, i) => expect(l2(o, f32.outs[i])).toBeLessThan(1e-2));
      expect(l2(bf16.outs, f32.outs)).toBeGreaterThan(0);
      // ReLU and pooling kinks move a few elements (see bfloat16.test.ts); on a batch of 3 images that is up to
      // 10 % of a convolution kernel's gradient (measured 1.5–10 %), so gradients get a looser bound.
      bf16.grads.forEach((g, i) => expect(l2(g, f32.grads[i])).toBeLessThan(0.15));
    });
  }
});

describe('trainingForward with batch norm, a residual block, depthwise/separable conv and global pooling', () => {
  const shape = [12, 16, 2];
  const x = () => tf.randomUniform([4, ...shape], 0, 1, 'float32', 5);
  /** The moving statistics of every batch-norm layer, as plain arrays. */
  const movingStats = (m: tf.LayersModel) => batchNormNames(m).map((n) => m.getLayer(n).getWeights().slice(-2).map((w) => Array.from(w.dataSync())));

  it('runs every layer on native kernels', () => {
    const model = allLayersModel(shape);
    models.push(model);
    expect(tfjsLayerClasses(model)).toEqual([]);
    expect(nativeLayerNames(model)).toEqual(model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
    expect(tfjsLayerClasses(model, { tfjsClasses: ['BatchNormalization', 'Add'] })).toEqual(['BatchNormalization', 'Add']);
  });

  it("gives model.apply's training outputs and gradients", () => {
    const model = allLayersModel(shape);
    models.push(model);
    const inputs = x();
    const native = run(model, trainingForward(model), inputs);
    const expected = run(model, (t) => model.apply(t, { training: true }) as tf.Tensor, inputs);
    native.outs.forEach((o, i) => expectClose(o, expected.outs[i]));
    native.grads.forEach((g, i) => expectClose(g, expected.grads[i], 3));
  });

  it("updates the batch-norm layers' moving mean and variance as tfjs's layers do (with each layer's momentum)", () => {
    const model = allLayersModel(shape);
    models.push(model);
    const initial = model.getWeights().map((w) => w.clone());
    const before = movingStats(model);
    const inputs = x();
    tf.tidy(() => void trainingForward(model)(inputs));
    const native = movingStats(model);
    model.setWeights(initial);
    tf.tidy(() => void model.apply(inputs, { training: true }));
    const expected = movingStats(model);
    expectClose(native, expected, 5);
    expect(native).not.toEqual(before);
    tf.dispose(initial);
  });

  it('runs a frozen batch norm in inference mode, as the tfjs fallback does, leaving its moving statistics alone', () => {
    const model = allLayersModel(shape);
    models.push(model);
    for (const n of batchNormNames(model)) model.getLayer(n).trainable = false;
    const before = movingStats(model);
    const inputs = x();
    const native = run(model, trainingForward(model), inputs);
    expect(movingStats(model)).toEqual(before);
    const saved = process.env.XP_NATIVE_KERNELS;
    process.env.XP_NATIVE_KERNELS = '0';
    try {
      expect(tfjsLayerClasses(model)).toBeNull();
      const fallback = run(model, trainingForward(model), inputs);
      native.outs.forEach((o, i) => expectClose(o, fallback.outs[i]));
      native.grads.forEach((g, i) => expectClose(g, fallback.grads[i], 3));
    } finally {
      if (saved === undefined) delete process.env.XP_NATIVE_KERNELS;
      else process.env.XP_NATIVE_KERNELS = saved;
    }
    expect(movingStats(model)).toEqual(before);
    // Unfrozen again, the same program trains them (the mode is read at each step).
    for (const n of batchNormNames(model)) model.getLayer(n).trainable = true;
    tf.tidy(() => void trainingForward(model)(inputs));
    expect(movingStats(model)).not.toEqual(before);
  });

  it('keeps the tensor count flat over repeated steps', () => {
    const model = allLayersModel(shape);
    models.push(model);
    const forward = trainingForward(model);
    const inputs = x();
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = () => tf.tidy(() => tf.dispose(Object.values(tf.variableGrads(() => tf.sum(forward(inputs) as tf.Tensor), vars).grads)));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!bf16Flags.avx512_bf16 && !bf16Flags.amx_bf16)('trainingForward with the new layers under mixed_bfloat16', () => {
  it('keeps bf16 edges into and out of batch norm and the depthwise/separable convolutions, and stays within bf16 tolerance', () => {
    const model = allLayersModel([12, 16, 2]);
    models.push(model);
    // Not out of pool0 (read by the block and the Add), nor into the Add, the pools or the GELU dense (float32 ops).
    expect(bf16EdgeNames(model, { precision: 'mixed_bfloat16' })).toEqual([
      'conv0→bn0', 'res_conv_a→res_bn_a', 'res_relu_a→res_conv_b', 'res_conv_b→res_bn_b', 'dw→sep', 'sep→bn_sep',
    ]);
    const inputs = tf.randomUniform([4, 12, 16, 2], 0, 1, 'float32', 5);
    const bf16 = run(model, trainingForward(model, { precision: 'mixed_bfloat16' }), inputs);
    const f32 = run(model, trainingForward(model), inputs);
    // Eight bf16 layers deep: measured 2.1 % (1.9 % with the batch norms on float32 tfjs kernels), ~0.3 % a layer.
    bf16.outs.forEach((o, i) => expect(l2(o, f32.outs[i])).toBeLessThan(3e-2));
    expect(l2(bf16.outs, f32.outs)).toBeGreaterThan(0);
    // Each op is within bf16 tolerance (batch-norm-op.test.ts, depthwise-ops.test.ts); through eight layers with ReLU
    // and max-pool kinks the weights' gradients differ by 10–20 % each, and one (bn_sep's beta) is zero up to
    // rounding in float32 (bn_vec cancels it), so the bound is on all gradients together: measured 10.8 %, and
    // 10.0 % with the batch norms on float32 tfjs kernels.
    expect(l2(bf16.grads, f32.grads)).toBeLessThan(0.2);
  });
});

describe('trainingForward with other activations and layer norm', () => {
  /** A model whose convolutions, dense and activation layers use tanh, sigmoid, GELU, swish, ELU, LeakyReLU…, and a layer norm. */
  function activationsModel() {
    const input = tf.input({ shape: [8, 10, 2] });
    const layer = <T extends tf.layers.Layer>(l: T, x: tf.SymbolicTensor) => l.apply(x) as tf.SymbolicTensor;
    let x = layer(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'conv_tanh' }), input);
    x = layer(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'swish', name: 'dw_swish' }), x);
    x = layer(tf.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }), x);
    x = layer(tf.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'elu', name: 'sep_elu' }), x);
    x = layer(tf.layers.activation({ activation: 'gelu', name: 'gelu' }), x);
    x = layer(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }), x);
    x = layer(tf.layers.flatten({ name: 'flat' }), x);
    x = layer(tf.layers.dense({ units: 6, activation: 'sigmoid', name: 'dense_sigmoid' }), x);
    x = layer(tf.layers.layerNormalization({ name: 'layer_norm' }), x);
    x = layer(tf.layers.activation({ activation: 'softplus', name: 'softplus' }), x);
    x = layer(tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense_softmax' }), x);
    return tf.model({ inputs: input, outputs: x });
  }

  it("runs them natively (softmax stays on tfjs) with model.apply's outputs and gradients", () => {
    const model = activationsModel();
    models.push(model);
    expect(tfjsLayerClasses(model)).toEqual(['Dense']);
    expect(nativeLayerNames(model)).not.toContain('dense_softmax');
    const x = tf.randomUniform([3, 8, 10, 2], -1, 1, 'float32', 6);
    const native = run(model, trainingForward(model), x);
    const expected = run(model, (t) => model.apply(t, { training: true }) as tf.Tensor, x);
    native.outs.forEach((o, i) => expectClose(o, expected.outs[i]));
    native.grads.forEach((g, i) => expectClose(g, expected.grads[i], 3));
  });

  it.skipIf(!bf16Flags.avx512_bf16 && !bf16Flags.amx_bf16)('keeps no bf16 edge into or out of a layer with such an activation', () => {
    const model = activationsModel();
    models.push(model);
    expect(bf16EdgeNames(model, { precision: 'mixed_bfloat16' })).toEqual([]);
  });
});
