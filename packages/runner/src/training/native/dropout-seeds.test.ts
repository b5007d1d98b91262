import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { dropoutSeeds } from './dropout-seeds.js';
import { nativeOps } from './exec.js';
import { nativeDropout } from './layer-ops.js';
import { trainingForward } from './training-forward.js';

describe('dropoutSeeds', () => {
  it('gives a pair that depends only on (run seed, site, step)', () => {
    const clock = { step: 0 };
    const a = dropoutSeeds(42, 'dropout#3', clock);
    const first = a();
    expect(dropoutSeeds(42, 'dropout#3', { step: 0 })()).toEqual(first);
    clock.step = 1;
    expect(a()).not.toEqual(first);
    expect(a()[0]).toBe(first[0]);
    expect(dropoutSeeds(42, 'dropout#4', { step: 0 })()[0]).not.toBe(first[0]);
    expect(dropoutSeeds(43, 'dropout#3', { step: 0 })()[0]).not.toBe(first[0]);
    for (const v of [...first, ...a()]) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 31).toBe(true);
  });

  it('without a run seed, draws a fresh pair per call', () => {
    const s = dropoutSeeds(undefined, 'dropout#3', { step: 0 });
    expect(s()).not.toEqual(s());
  });

  it("seeds the native dropout op's mask: one pair, one mask", () => {
    const nt = nativeOps();
    if (!nt) throw new Error('the native backend is required');
    const clock = { step: 7 };
    const op = nativeDropout(nt, 0.5, undefined, dropoutSeeds(1, 'd', clock));
    const x = tf.ones([1000]);
    const m7 = op(x).arraySync();
    expect(op(x).arraySync()).toEqual(m7);
    clock.step = 8;
    expect(op(x).arraySync()).not.toEqual(m7);
    x.dispose();
  });

  it('trainingForward with a seed: the same step gives the same masks, another step or seed other ones', () => {
    const input = tf.input({ shape: [200] });
    const model = tf.model({ inputs: input, outputs: tf.layers.dropout({ rate: 0.5 }).apply(input) as tf.SymbolicTensor });
    const x = tf.ones([4, 200]);
    const run = (f: ReturnType<typeof trainingForward>, step?: number) => tf.tidy(() => (f(x, step) as tf.Tensor).arraySync());
    const f = trainingForward(model, { seed: 5 });
    expect(run(f, 3)).toEqual(run(f, 3));
    expect(run(f, 4)).not.toEqual(run(f, 3));
    expect(run(trainingForward(model, { seed: 6 }), 3)).not.toEqual(run(f, 3));
    x.dispose();
    model.dispose();
  });
});
