import * as tf from '@tensorflow/tfjs-node-gpu';
import { describe, expect, it } from 'vitest';
import { buildBaselineCnn } from './baseline-cnn/build.js';
import { buildMultiheadCnn } from './multihead-cnn/build.js';
import { modelSummary } from './summary.js';

const ctx = { inputShape: [28, 84, 1] };

describe('modelSummary', () => {
  it('lists every layer with its output shape and parameters', () => {
    const trunk = buildBaselineCnn({ type: 'baseline-cnn', filters: [2], kernel_size: 3, dense_units: 4, dropout: 0, length_head: false }, ctx);
    // A head as a task would add it: Dense(3·11) reshaped to [3, 11].
    const logits = tf.layers.dense({ units: 33, name: 'digit_logits' }).apply(trunk.features()) as tf.SymbolicTensor;
    const digits = tf.layers.reshape({ targetShape: [3, 11], name: 'digits' }).apply(logits) as tf.SymbolicTensor;
    const m = tf.model({ inputs: trunk.input, outputs: digits });
    const s = modelSummary(m);
    m.dispose();
    expect(s.layers).toEqual([
      { name: 'image', className: 'InputLayer', outputShape: [null, 28, 84, 1], params: 0 },
      { name: 'conv_0', className: 'Conv2D', outputShape: [null, 28, 84, 2], params: 20 },
      { name: 'pool_0', className: 'MaxPooling2D', outputShape: [null, 14, 42, 2], params: 0 },
      { name: 'flatten', className: 'Flatten', outputShape: [null, 1176], params: 0 },
      { name: 'dense', className: 'Dense', outputShape: [null, 4], params: 4708 },
      { name: 'digit_logits', className: 'Dense', outputShape: [null, 33], params: 165 },
      { name: 'digits', className: 'Reshape', outputShape: [null, 3, 11], params: 0 },
    ]);
    expect(s.params).toBe(4893);
    expect(s.trainableParams).toBe(4893);
    expect(s.text).toContain('conv_0 (Conv2D)');
    expect(s.text).toMatch(/\[null, 3, 11\]/);
    expect(s.text).toContain('Total params: 4,893');
    expect(s.text).toContain('Non-trainable params: 0');
  });

  it('counts batch-norm moving statistics as non-trainable', () => {
    const trunk = buildMultiheadCnn(
      {
        type: 'multihead-cnn',
        blocks: [{ filters: [2], kernel_size: 3, batch_norm: true, pool: true, dropout: 0 }],
        heads: 'per_position',
        dense_units: 4,
        dense_dropout: 0,
        head_units: 0,
        head_dropout: 0,
        weight_decay: 0,
        length_head: false,
      },
      ctx,
    );
    const m = tf.model({ inputs: trunk.input, outputs: trunk.features() });
    const s = modelSummary(m);
    m.dispose();
    // Moving mean and variance: 2 values per channel.
    expect(s.params - s.trainableParams).toBe(4);
    expect(s.text).toContain('Non-trainable params: 4');
  });
});
