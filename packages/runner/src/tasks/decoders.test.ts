// The tasks' prediction decoders (shared by their `decode`, `xp predict` and `xp serve`) on literal logits.
import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { taskTypes } from './registry.js';
import { sequenceLabel } from './sequence/decode.js';
import type { PredictionDecoder } from './task.js';

async function readAll(d: PredictionDecoder, out: tf.Tensor | tf.Tensor[], topK: number) {
  const { predicted, probabilities } = d.decode(out);
  const b = predicted.shape[0];
  const v = await predicted.data();
  const p = probabilities ? await probabilities.data() : undefined;
  tf.dispose([predicted, probabilities ?? []].flat());
  return Array.from({ length: b }, (_, i) =>
    d.read(v.subarray((i * v.length) / b, ((i + 1) * v.length) / b), p?.subarray((i * p.length) / b, ((i + 1) * p.length) / b), topK),
  );
}

describe('prediction decoders', () => {
  it('sequence: text without trailing blanks, a blank between classes as _, probability the product over positions', async () => {
    expect(sequenceLabel([4, 0, 7], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'blank'], 10)).toBe('407');
    expect(sequenceLabel([1, 10, 2, 10], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'blank'], 10)).toBe('1_2');
    expect(sequenceLabel([10, 10], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'blank'], 10)).toBe('');
    const d = taskTypes.sequence.decoder!({ kind: 'sequence', classes: ['a', 'b', 'blank'], positions: 2, blank: 2 });
    // Probabilities per position: softmax(log p) = p.
    const probs = [
      [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]],
      [[0.1, 0.8, 0.1], [0.5, 0.25, 0.25]],
    ];
    const before = tf.memory().numTensors;
    const logits = tf.tidy(() => tf.log(tf.tensor3d(probs)));
    const [first, second] = await readAll(d, logits, 2);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(first.prediction).toBe('a');
    expect(first.probability).toBeCloseTo(0.7 * 0.6, 5);
    expect(first.positions?.map((pos) => pos.map((t) => t.label))).toEqual([['a', 'b'], ['blank', 'b']]);
    expect(second.prediction).toBe('ba');
    expect(second.probability).toBeCloseTo(0.8 * 0.5, 5);
    // A multi-output model (digits, length head): the digits output decides.
    const [again] = await readAll(d, [tf.log(tf.tensor3d([probs[1]])), tf.zeros([1, 3])], 1);
    expect(again).toEqual({ prediction: 'ba', probability: expect.closeTo(0.4, 5) });
  });

  it('classification: the likeliest class name and its probability, and the top k, likeliest first', async () => {
    const d = taskTypes.classification.decoder!({ kind: 'class', classes: ['Adelie', 'Chinstrap', 'Gentoo'] });
    const [p] = await readAll(d, tf.log(tf.tensor2d([[0.2, 0.1, 0.7]])), 2);
    expect(p.prediction).toBe('Gentoo');
    expect(p.probability).toBeCloseTo(0.7, 5);
    expect(p.top_k?.map((t) => t.label)).toEqual(['Gentoo', 'Adelie']);
    expect(p.top_k?.[1].probability).toBeCloseTo(0.2, 5);
    const [only] = await readAll(d, tf.log(tf.tensor2d([[0.2, 0.1, 0.7]])), 1);
    expect(only.top_k).toBeUndefined();
  });

  it('regression: values back in target units, by name when there are several', async () => {
    const one = taskTypes.regression.decoder!({ kind: 'values', names: ['mpg'], mean: [20], std: [5] });
    expect((await readAll(one, tf.tensor2d([[1], [-2]]), 3)).map((p) => p.prediction)).toEqual([25, 10]);
    const two = taskTypes.regression.decoder!({ kind: 'values', names: ['a', 'b'], mean: [0, 100], std: [1, 10] });
    const [p] = await readAll(two, tf.tensor2d([[0.5, -1]]), 1);
    expect(p).toEqual({ prediction: { a: 0.5, b: 90 } });
  });

  it('refuses a target its task cannot read', () => {
    expect(() => taskTypes.classification.decoder!({ kind: 'values', names: ['x'], mean: [0], std: [1] })).toThrow(/class targets/);
  });
});
