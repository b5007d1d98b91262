import * as tf from '@tensorflow/tfjs-node-gpu';
import { describe, expect, it } from 'vitest';
import { frozenAwareBatchNorm } from './norm.js';

describe('batch_norm while frozen', () => {
  it('normalises with its moving statistics and keeps them in a training step, and trains again once unfrozen', () => {
    const x = tf.randomNormal([8, 3, 3, 2], 5, 3, 'float32', 1);
    const bn = frozenAwareBatchNorm({ momentum: 0.5, trainable: false });
    const weights = () => bn.getWeights().map((w) => Array.from(w.dataSync()));
    const inference = bn.apply(x, { training: false }) as tf.Tensor;
    const before = weights();
    const frozen = bn.apply(x, { training: true }) as tf.Tensor;
    expect(Array.from(frozen.dataSync())).toEqual(Array.from(inference.dataSync()));
    expect(weights()).toEqual(before);
    bn.trainable = true;
    const training = bn.apply(x, { training: true }) as tf.Tensor;
    // batch statistics now: the output is centred, and the moving mean moved towards the batch mean (5)
    expect(Math.abs(tf.mean(training).dataSync()[0])).toBeLessThan(1e-3);
    expect(weights()).not.toEqual(before);
    tf.dispose([x, inference, frozen, training]);
    bn.dispose();
  });
});
