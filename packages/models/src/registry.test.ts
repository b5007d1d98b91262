import '@tensorflow/tfjs-node-gpu';
import { ModelSchemas, type ModelConfig } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { ModelConfigError } from './errors.js';
import { buildModel, models } from './registry.js';

const shape = { height: 28, width: 84, maxLen: 3, numClasses: 11 };

describe('model registry', () => {
  it('has exactly one builder per schema entry', () => {
    expect(Object.keys(models).sort()).toEqual(Object.keys(ModelSchemas).sort());
  });

  it('builds the architecture named by type', () => {
    const m = buildModel({ type: 'baseline-cnn', filters: [4], kernel_size: 3, dense_units: 8, dropout: 0, length_head: false }, shape);
    expect(m.name).toBe('baseline_cnn');
    m.dispose();
  });

  it('rejects an unknown type, listing the known ones', () => {
    const config = { type: 'resnet' } as unknown as ModelConfig;
    expect(() => buildModel(config, shape)).toThrow(
      new ModelConfigError('XP_CONFIG_UNKNOWN_MODEL', "model.type: unknown model 'resnet'. Known models: baseline-cnn, multihead-cnn."),
    );
  });
});
