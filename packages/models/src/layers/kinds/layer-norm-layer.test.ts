import * as tf from '@tensorflow/tfjs-node-gpu';
import { describe, expect, it } from 'vitest';
import { LayerNorm } from './layer-norm-layer.js';

// Checked against tfjs's own LayerNormalization (same maths, slow gradients on maps; see the layer's comment).
describe('LayerNorm', () => {
  it('gives the values and gradients of tfjs LayerNormalization over the last axis', () => {
    const x = tf.randomNormal([2, 3, 4, 5], 1, 2, 'float32', 7);
    const ours = new LayerNorm({ epsilon: 1e-3 });
    const theirs = tf.layers.layerNormalization({ epsilon: 1e-3 });
    ours.apply(x);
    theirs.apply(x);
    // Non-trivial gamma and beta, the same in both.
    const gamma = tf.randomUniform([5], 0.5, 1.5, 'float32', 1);
    const beta = tf.randomUniform([5], -1, 1, 'float32', 2);
    ours.setWeights([gamma, beta]);
    theirs.setWeights([gamma, beta]);
    const run = (layer: tf.layers.Layer) =>
      tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.range(0, 5))) as tf.Scalar, layer.trainableWeights.map((w) => w.read() as tf.Variable));
    const a = run(ours);
    const b = run(theirs);
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0], 3);
    const grads = (g: typeof a) => Object.values(g.grads).map((t) => Array.from(t.dataSync()));
    const [ga, gb] = [grads(a), grads(b)];
    expect(ga).toHaveLength(2);
    ga.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(gb[i][j], 3)));
    // and the input gradient, which the layers below it train on
    const dx = (layer: tf.layers.Layer) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, tf.range(0, 5))))(x);
    const [dxa, dxb] = [dx(ours).dataSync(), dx(theirs).dataSync()];
    dxa.forEach((v, i) => expect(v).toBeCloseTo(dxb[i], 3));
    expect(ours.countParams()).toBe(theirs.countParams());
    tf.dispose([x, gamma, beta, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    ours.dispose();
    theirs.dispose();
  });

  it('saves and loads back with its epsilon and weights', async () => {
    const input = tf.input({ shape: [4] });
    const model = tf.model({ inputs: input, outputs: new LayerNorm({ epsilon: 0.01, name: 'ln' }).apply(input) as tf.SymbolicTensor });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(loaded.getLayer('ln').getConfig().epsilon).toBe(0.01);
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const [y0, y1] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y0.dataSync()));
    tf.dispose([x, y0, y1]);
    model.dispose();
    loaded.dispose();
  });
});
