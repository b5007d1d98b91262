import type * as tf from '@tensorflow/tfjs';
import { afterEach } from 'vitest';

/** Returns `keep`, which passes a model through and disposes it after the current test (so tests leak no tensors). */
export function disposedAfterEach(): <M extends tf.LayersModel>(m: M) => M {
  let built: tf.LayersModel[] = [];
  afterEach(() => {
    built.forEach((m) => m.dispose());
    built = [];
  });
  return (m) => {
    built.push(m);
    return m;
  };
}
