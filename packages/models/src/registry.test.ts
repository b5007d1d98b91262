import * as tf from '@tensorflow/tfjs-node-gpu';
import { describe, expect, it } from 'vitest';
import { BaselineCnnSchema } from './baseline-cnn/schema.js';
import { LayersSchema } from './layers/schema.js';
import { MlpSchema } from './mlp/schema.js';
import { MultiheadCnnSchema } from './multihead-cnn/schema.js';
import { modelTypes } from './registry.js';

describe('model registry', () => {
  it('has every built-in architecture, each with its own schema', () => {
    expect(Object.keys(modelTypes).sort()).toEqual(['baseline-cnn', 'layers', 'mlp', 'multihead-cnn']);
    expect(modelTypes.layers.schema).toBe(LayersSchema);
    expect(modelTypes['baseline-cnn'].schema).toBe(BaselineCnnSchema);
    expect(modelTypes['multihead-cnn'].schema).toBe(MultiheadCnnSchema);
    expect(modelTypes.mlp.schema).toBe(MlpSchema);
    // The registry adds `type`; an entry's own schema must not declare it.
    for (const entry of Object.values(modelTypes)) expect(Object.keys(entry.schema.properties)).not.toContain('type');
  });

  it('builds the trunk of the architecture named by type', () => {
    const config = { type: 'baseline-cnn', filters: [4], kernel_size: 3, dense_units: 8, dropout: 0, length_head: false };
    const trunk = modelTypes[config.type].build(config, { inputShape: [28, 84, 1] });
    expect(trunk.type).toBe('baseline-cnn');
    expect(trunk.features().shape).toEqual([null, 8]);
    tf.model({ inputs: trunk.input, outputs: trunk.features() }).dispose();
  });
});
