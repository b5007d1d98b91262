import * as tf from '@tensorflow/tfjs-node-gpu';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelConfigError } from '../errors.js';
import type { Trunk } from '../model-type.js';
import { baselineCnn, buildBaselineCnn } from './build.js';
import type { BaselineCnnConfig } from './schema.js';

// The trunk only: the heads (stacked digits, length) are the sequence task's, tested in the runner.
const base: BaselineCnnConfig = { type: 'baseline-cnn', filters: [32, 64], kernel_size: 3, dense_units: 128, dropout: 0.25, length_head: false };
const tiny: BaselineCnnConfig = { ...base, filters: [2], dense_units: 4, dropout: 0 };
const image = (width: number, seed?: number) => ({ inputShape: [28, width, 1], seed });

let built: tf.LayersModel[] = [];
/** The trunk and a model of its features (which owns, and frees, its layers). */
const build = (o: BaselineCnnConfig, ctx: ReturnType<typeof image>) => {
  const trunk = buildBaselineCnn(o, ctx);
  const model = tf.model({ inputs: trunk.input, outputs: trunk.features() });
  built.push(model);
  return { trunk, model };
};
const catchError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
};
afterEach(() => {
  built.forEach((m) => m.dispose());
  built = [];
});

describe('buildBaselineCnn', () => {
  it.each([
    { width: 84, mapWidth: 21 },
    { width: 112, mapWidth: 28 },
  ])('maps [null, 28, $width, 1] through two pools to a 7×$mapWidth×64 feature map and 128 features', ({ width, mapWidth }) => {
    const { trunk, model } = build(base, image(width));
    expect(trunk.type).toBe('baseline-cnn');
    expect(trunk.input.shape).toEqual([null, 28, width, 1]);
    expect(trunk.featureMap?.shape).toEqual([null, 7, mapWidth, 64]);
    expect(trunk.flat().shape).toEqual([null, 7 * mapWidth * 64]);
    expect(trunk.features().shape).toEqual([null, 128]);
    const y = tf.tidy(() => (model.predict(tf.zeros([2, 28, width, 1])) as tf.Tensor).shape);
    expect(y).toEqual([2, 128]);
  });

  it('is conv/pool per filters entry, then flatten, dense and dropout', () => {
    const { model } = build({ ...base, filters: [4, 8, 16] }, image(84));
    expect(model.layers.map((l) => l.name)).toEqual(['image', 'conv_0', 'pool_0', 'conv_1', 'pool_1', 'conv_2', 'pool_2', 'flatten', 'dense', 'dropout']);
    expect(build(tiny, image(84)).model.layers.map((l) => l.name)).not.toContain('dropout');
  });

  it('makes flat() and features() once, whoever asks', () => {
    const { trunk } = build(tiny, image(84));
    expect(trunk.features()).toBe(trunk.features());
    expect(trunk.flat()).toBe(trunk.flat());
  });

  it('has the hand-counted number of parameters', () => {
    // conv 3·3·1·2 + 2 = 20; pooled 14×42×2 = 1176 → dense 1176·4 + 4 = 4708.
    const { model } = build(tiny, image(84));
    expect(model.getLayer('conv_0').countParams()).toBe(20);
    expect(model.getLayer('dense').countParams()).toBe(4708);
    expect(model.countParams()).toBe(20 + 4708);
    // kernel_size 5: 5·5·1·2 + 2.
    expect(build({ ...tiny, kernel_size: 5 }, image(84)).model.getLayer('conv_0').countParams()).toBe(52);
  });

  it('asks the sequence task for one stacked head, with a length head when length_head is set', () => {
    expect(build(tiny, image(84)).trunk.heads).toEqual({ kind: 'stacked', hiddenUnits: 0, dropout: 0, lengthHead: false });
    expect(build({ ...tiny, length_head: true }, image(84)).trunk.heads).toMatchObject({ kind: 'stacked', lengthHead: true });
    expect(build(tiny, image(84)).trunk.kernelRegularizer).toBeUndefined();
  });

  it('gives identical weights for the same seed and different ones otherwise, heads included', () => {
    const values = (seed: number) => {
      const { trunk, model } = build(tiny, image(84, seed));
      // A head takes its initialiser after the trunk's, as the task does.
      const head = tf.layers.dense({ units: 3, kernelInitializer: trunk.init() });
      head.apply(trunk.features());
      const weights = [...model.getWeights(), ...head.getWeights()].map((w) => Array.from(w.dataSync()));
      head.dispose();
      return weights;
    };
    expect(values(7)).toEqual(values(7));
    expect(values(7)).not.toEqual(values(8));
  });

  it('rejects more max-pools than the input allows as a config error naming the entry, layer and shapes', () => {
    const tensorsBefore = tf.memory().numTensors;
    const e = catchError(() => buildBaselineCnn({ ...tiny, filters: [2, 2, 2, 2, 2] }, image(84)));
    expect(e).toBeInstanceOf(ModelConfigError);
    expect(e).toMatchObject({ code: 'XP_CONFIG_MODEL_SHAPE', pointer: '/model/filters/4' });
    expect((e as Error).message).toBe(
      'model.filters[4]: its 2×2 max-pool pool_4 (pool 5 of the model) would shrink the 1×5 feature map to 0×2; ' +
        'a 28×84 input takes at most 4 pools (28×84 → 14×42 → 7×21 → 3×10 → 1×5): remove entries from model.filters, or enlarge the input image',
    );
    // checked before any layer (and its weights) exists
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(() => build({ ...tiny, filters: [2, 2, 2, 2] }, image(84))).not.toThrow();
  });

  it('rejects an input that is not an image as a config error', () => {
    const e = catchError(() => buildBaselineCnn(tiny, { inputShape: [784] }));
    expect(e).toBeInstanceOf(ModelConfigError);
    expect(e).toMatchObject({
      code: 'XP_CONFIG_MODEL_SHAPE',
      message: 'model baseline-cnn takes images [height, width, channels], but the data gives [784]; choose a model for this data.',
    });
    expect(() => buildBaselineCnn(tiny, { inputShape: [28, 0, 1] })).toThrow(/but the data gives \[28, 0, 1\]/);
  });
});

describe('baselineCnn (registry entry)', () => {
  it('takes images and checks the pools against the input shape, as the builder does', () => {
    expect(baselineCnn.accepts).toEqual(['image']);
    expect(baselineCnn.checks?.({ ...tiny, filters: [4, 4, 4, 4] }, [28, 84, 1])).toEqual([]);
    const [issue, ...more] = baselineCnn.checks?.({ ...tiny, filters: [4, 4, 4, 4, 4, 4, 4] }, [64, 84, 1]) ?? [];
    expect(more).toEqual([]);
    expect(issue.pointer).toBe('/model/filters/6');
    expect(issue.message).toContain('would shrink the 1×1 feature map to 0×0');
    expect(issue.message).toContain('takes at most 6 pools');
  });

  it('builds through its entry', () => {
    const trunk: Trunk = baselineCnn.build(tiny, image(84));
    built.push(tf.model({ inputs: trunk.input, outputs: trunk.flat() }));
    expect(trunk.type).toBe('baseline-cnn');
  });
});
