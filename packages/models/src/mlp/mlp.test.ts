import * as tf from '@tensorflow/tfjs-node-gpu';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelConfigError } from '../errors.js';
import { buildMlp } from './mlp.js';
import type { MlpConfig } from './schema.js';

const config = (o: Partial<MlpConfig> = {}): MlpConfig => ({ type: 'mlp', hidden: [64, 32], activation: 'relu', dropout: 0, batch_norm: false, ...o });

let built: tf.LayersModel[] = [];
/** The trunk completed with a 3-unit head, as a task would. */
function model(c: MlpConfig, features = 10, seed?: number): tf.LayersModel {
  const trunk = buildMlp(c, { inputShape: [features], seed });
  const head = tf.layers.dense({ units: 3, kernelInitializer: trunk.init(), name: 'head' }).apply(trunk.features()) as tf.SymbolicTensor;
  const m = tf.model({ inputs: trunk.input, outputs: head });
  built.push(m);
  return m;
}
afterEach(() => {
  built.forEach((m) => m.dispose());
  built = [];
});

describe('buildMlp', () => {
  it('builds [F] → dense_0 (64) → dense_1 (32): shapes and parameter count', () => {
    const trunk = buildMlp(config(), { inputShape: [10] });
    expect(trunk.type).toBe('mlp');
    expect(trunk.flat()).toBe(trunk.input);
    expect(trunk.input.shape).toEqual([null, 10]);
    expect(trunk.features().shape).toEqual([null, 32]);
    expect(trunk.features()).toBe(trunk.features()); // made once
    const m = model(config());
    expect(m.layers.map((l) => l.name)).toEqual(['features_in', 'dense_0', 'dense_1', 'head']);
    // (10·64 + 64) + (64·32 + 32) + (32·3 + 3)
    expect(m.countParams()).toBe(704 + 2080 + 99);
    const out = tf.tidy(() => (m.predict(tf.ones([5, 10])) as tf.Tensor).shape);
    expect(out).toEqual([5, 3]);
  });

  it('adds bn_i, act_i and dropout_i when asked; dense layers then have no bias', () => {
    const m = model(config({ hidden: [8], batch_norm: true, dropout: 0.2, activation: 'silu' }), 4);
    expect(m.layers.map((l) => l.name)).toEqual(['features_in', 'dense_0', 'bn_0', 'act_0', 'dropout_0', 'head']);
    // dense 4·8, batch norm 4·8 (gamma, beta, moving mean and variance), head 8·3 + 3
    expect(m.countParams()).toBe(32 + 32 + 27);
    expect((m.getLayer('act_0').getConfig() as { activation: string }).activation).toBe('swish');
  });

  it('with hidden: [] the features are the input (a linear model)', () => {
    const trunk = buildMlp(config({ hidden: [] }), { inputShape: [6] });
    expect(trunk.features()).toBe(trunk.input);
  });

  it('the same seed gives the same weights', () => {
    const w = (seed: number) => Array.from(model(config({ hidden: [4] }), 3, seed).getLayer('dense_0').getWeights()[0].dataSync());
    expect(w(7)).toEqual(w(7));
    expect(w(7)).not.toEqual(w(8));
  });

  it('refuses an image input shape, naming the option', () => {
    expect(() => buildMlp(config(), { inputShape: [28, 28, 1] })).toThrow(ModelConfigError);
    expect(() => buildMlp(config(), { inputShape: [28, 28, 1] })).toThrow(/model mlp takes vectors \[features\], but the data gives \[28, 28, 1\]/);
  });
});
