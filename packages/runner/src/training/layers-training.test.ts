import '@tensorflow/tfjs-node-gpu';
import { describe, expect, it } from 'vitest';
import { CallbackList } from '../callbacks/callback-list.js';
import { parseTestExperiment, prepareTest } from '../testing/experiment.testing.js';
import { createOptimizer } from './optimizer.js';
import { train } from './trainer.js';

// A `layers` model with every block kind through the real training loop: it learns, leaks no tensor per epoch, and
// an entry marked `trainable: false` keeps its weights exactly. (With tfjs's own LayerNormalization on the 7×21 map
// this test timed out: see layer-norm-layer.ts.)
const MODEL = `
  type: layers
  layers:
    - conv2d: { filters: 4, stride: 2, use_bias: false }
      name: stem
      trainable: false
    - batch_norm: {}
      name: stem_bn
      trainable: false
    - activation: relu
    - residual:
        - conv2d: { filters: 8, stride: 2, activation: gelu }
        - spatial_dropout: 0.1
        - separable_conv2d: { filters: 8 }
    - concat:
        - [ { depthwise_conv2d: { activation: silu } } ]
        - []
    - layer_norm: {}
    - slots: {}
    - dense: { units: 16, activation: leaky_relu }
    - dropout: 0.2
`;

describe('training a layers model', () => {
  it('lowers the loss with a flat tensor count, and leaves trainable: false entries (a conv, a batch norm) bit-identical', async () => {
    const exp = await parseTestExperiment(
      `name: t\nseed: 3\nmodel:${MODEL.replace(/\n/g, '\n  ')}\n` +
        'data: { type: mnist_sequences, train: { count: 256 }, val: { count: 64 }, test: { count: 64 } }\ntraining: { epochs: 3, batch_size: 32 }\n',
    );
    const { c, data, task, model } = await prepareTest(exp);
    const optimizer = createOptimizer(c.training.optimizer);
    const frozenWeights = () => ['stem', 'stem_bn'].flatMap((n) => model.getLayer(n).getWeights().map((w) => Array.from(w.dataSync())));
    const frozen = frozenWeights();
    const trained = model.getLayer('residual_0_conv2d_0').getWeights().map((w) => Array.from(w.dataSync()));
    const r = await train({ model, optimizer, task, data, epochs: 3, batchSize: 32, evalBatchSize: 64, validate: true, callbacks: new CallbackList([]) });
    expect(r.history[2].loss).toBeLessThan(r.history[0].loss);
    expect(r.tensorsPerEpoch[2]).toBe(r.tensorsPerEpoch[1]);
    expect(r.tensorsPerEpoch[1]).toBe(r.tensorsPerEpoch[0]);
    // the batch norm's moving mean and variance included
    expect(frozenWeights()).toEqual(frozen);
    expect(model.getLayer('residual_0_conv2d_0').getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(trained);
    data.dispose();
    model.dispose();
    optimizer.dispose();
  }, 300_000);
});
