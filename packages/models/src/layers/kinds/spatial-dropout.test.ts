import * as tf from '@tensorflow/tfjs-node-gpu';
import { describe, expect, it } from 'vitest';
import { SpatialDropout2D } from './spatial-dropout.js';

describe('SpatialDropout2D', () => {
  it('zeroes whole channels while training (the rest scaled by 1/(1-rate)) and passes the input through otherwise', () => {
    const layer = new SpatialDropout2D({ rate: 0.5 });
    const x = tf.ones([4, 3, 3, 16]);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const values = y.arraySync() as number[][][][];
    for (const example of values) {
      for (let c = 0; c < 16; c++) {
        const channel = new Set(example.flatMap((row) => row.map((px) => px[c])));
        // one draw per example and channel: every pixel of a channel is kept (×2) or dropped together
        expect(channel.size).toBe(1);
        expect([0, 2]).toContain([...channel][0]);
      }
    }
    const kept = values.flatMap((e) => e[0][0]).filter((v) => v > 0).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(64);
    const inference = layer.apply(x, { training: false }) as tf.Tensor;
    expect(inference.arraySync()).toEqual(x.arraySync());
    tf.dispose([x, y, inference]);
    layer.dispose();
  });

  it('saves and loads back with its rate', async () => {
    const input = tf.input({ shape: [2, 2, 3] });
    const model = tf.model({ inputs: input, outputs: new SpatialDropout2D({ rate: 0.25, name: 'sd' }).apply(input) as tf.SymbolicTensor });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(loaded.getLayer('sd').getClassName()).toBe('SpatialDropout2D');
    expect(loaded.getLayer('sd').getConfig().rate).toBe(0.25);
    model.dispose();
    loaded.dispose();
  });
});
