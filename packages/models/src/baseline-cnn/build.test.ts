import * as tf from '@tensorflow/tfjs-node-gpu';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBaselineCnn, type BaselineCnnOptions } from './baseline-cnn.js';
import { ModelConfigError } from './errors.js';

const base: BaselineCnnOptions = { type: 'baseline-cnn', filters: [32, 64], kernel_size: 3, dense_units: 128, dropout: 0.25, length_head: false };
const tiny: BaselineCnnOptions = { ...base, filters: [2], dense_units: 4, dropout: 0 };
const shape = (width: number, maxLen: number, seed?: number) => ({ height: 28, width, maxLen, numClasses: 11, seed });

let built: tf.LayersModel[] = [];
const build = (o: BaselineCnnOptions, s: ReturnType<typeof shape>) => {
  const m = buildBaselineCnn(o, s);
  built.push(m);
  return m;
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
  it.each([84, 112].flatMap((width) => [1, 2, 3, 4].map((maxLen) => ({ width, maxLen }))))(
    'maps [null, 28, $width, 1] to digits [null, $maxLen, 11]',
    ({ width, maxLen }) => {
      const m = build(base, shape(width, maxLen));
      expect(m.inputs[0].shape).toEqual([null, 28, width, 1]);
      expect(m.outputNames).toEqual(['digits']);
      expect(m.outputs[0].shape).toEqual([null, maxLen, 11]);
      const y = tf.tidy(() => (m.predict(tf.zeros([2, 28, width, 1])) as tf.Tensor).shape);
      expect(y).toEqual([2, maxLen, 11]);
    },
  );

  it('has the hand-counted number of parameters', () => {
    // conv 3·3·1·2 + 2 = 20; pooled 14×42×2 = 1176 → dense 1176·4 + 4 = 4708; heads 4·33 + 33 = 165.
    expect(build(tiny, shape(84, 3)).countParams()).toBe(20 + 4708 + 165);
    // The length head adds 4·4 + 4.
    expect(build({ ...tiny, length_head: true }, shape(84, 3)).countParams()).toBe(20 + 4708 + 165 + 20);
  });

  it('adds a length head of maxLen + 1 logits', () => {
    const m = build({ ...base, length_head: true }, shape(84, 3));
    expect(m.outputNames).toEqual(['digits', 'length']);
    expect(m.outputs[1].shape).toEqual([null, 4]);
  });

  it('gives identical weights for the same seed and different ones otherwise', () => {
    const values = (seed: number) => build(tiny, shape(84, 3, seed)).getWeights().map((w) => Array.from(w.dataSync()));
    expect(values(7)).toEqual(values(7));
    expect(values(7)).not.toEqual(values(8));
  });

  it('rejects more max-pools than the canvas allows as a config error naming the entry, layer and shapes', () => {
    const e = catchError(() => buildBaselineCnn({ ...tiny, filters: [2, 2, 2, 2, 2] }, shape(84, 3)));
    expect(e).toBeInstanceOf(ModelConfigError);
    expect(e).toMatchObject({ code: 'XP_CONFIG_MODEL_SHAPE' });
    expect((e as Error).message).toBe(
      'model.filters[4]: max-pool layer pool_4 (pool 5) would shrink its 1×5 input to 0×2; the 28×84 canvas takes at most 4 pools. ' +
        'Use fewer pooling layers or a larger data.canvas.',
    );
  });

  it('rejects a bad shape as a config error, naming the field', () => {
    const e = catchError(() => buildBaselineCnn(tiny, { ...shape(84, 3), maxLen: 0 }));
    expect(e).toMatchObject({ code: 'XP_CONFIG_MODEL_SHAPE', message: 'model shape: maxLen must be a positive integer, received maxLen=0.' });
  });
});
