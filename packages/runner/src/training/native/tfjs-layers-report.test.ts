import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { allLayersModel } from './all-layers.testing.js';
import { tfjsLayersReport } from './tfjs-layers-report.js';
import { tfjsLayerClasses } from './training-forward.js';

afterEach(() => delete process.env.XP_NATIVE_KERNELS);

/** A small model with layers that have no native op: zero padding (twice), a capped ReLU, a softmax dense. */
function mixedModel() {
  const input = tf.input({ shape: [6, 6, 2] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.zeroPadding2d({ padding: 1 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.zeroPadding2d({ padding: 1 }).apply(tf.layers.reshape({ targetShape: [3, 1, 1] }).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

describe('the report of layers on tfjs kernels', () => {
  it('names each class that falls back once, in model order', () => {
    const model = mixedModel();
    const classes = tfjsLayerClasses(model);
    expect(classes).toEqual(['ZeroPadding2D', 'ReLU', 'Dense']);
    expect(tfjsLayersReport(classes)).toEqual({
      line: 'training step: ZeroPadding2D, ReLU, Dense layers on tfjs kernels (no native op for their settings), the rest on native TensorFlow kernels',
      tag: 'ZeroPadding2D,ReLU,Dense',
    });
    model.dispose();
  });

  it('says when every layer is native, and when none is', () => {
    const model = allLayersModel([8, 8, 1]);
    expect(tfjsLayersReport(tfjsLayerClasses(model))).toEqual({ line: 'training step: every layer on native TensorFlow kernels', tag: 'none' });
    process.env.XP_NATIVE_KERNELS = '0';
    expect(tfjsLayersReport(tfjsLayerClasses(model)).tag).toBe('all');
    expect(tfjsLayersReport(tfjsLayerClasses(model)).line).toMatch(/every layer on tfjs kernels .*XP_NATIVE_KERNELS=0/);
    model.dispose();
  });
});
