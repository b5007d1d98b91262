import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '@xp/core';
import { sequenceModel } from '../../testing/experiment.testing.js';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeLayerNames, trainingForward } from './training-forward.js';
import { expectClose } from '../expect-close.testing.js';

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
// Batch norm has no native implementation: it runs its own tfjs call inside the native forward.
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
function run(model: tf.LayersModel, forward: (x: tf.Tensor) => tf.Tensor | tf.Tensor[]) {
  return tf.tidy(() => {
    const x = tf.randomUniform([3, 28, 84, 1], 0, 1, 'float32', 1);
    const outs = [forward(x)].flat();
    const probes = outs.map((o, i) => tf.randomUniform(o.shape, -1, 1, 'float32', 10 + i));
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.addN([forward(x)].flat().map((o, i) => tf.sum(tf.mul(o, probes[i])))) as tf.Scalar, vars);
    return { outs: outs.map((o) => o.arraySync()), loss: value.arraySync(), grads: vars.map((v) => grads[v.name].arraySync()) };
  });
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
      'block_2_conv_0', 'block_2_conv_0_relu', 'slot_dense', 'digits',
    ]);
  });

  it('runs convolutions, pooling, dense and ReLU layers natively, the rest through their own call', async () => {
    const model = await sequenceModel(perPositionBn);
    models.push(model);
    expect(nativeLayerNames(model)).toEqual(['block_0_conv_0', 'block_0_conv_0_relu', 'block_0_pool', 'dense', 'head_0_hidden', 'head_0', 'head_1_hidden', 'head_1', 'head_2_hidden', 'head_2', 'length']);
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
