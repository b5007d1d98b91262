import { describe, expect, it } from 'vitest';
import { flattenConfig } from './flatten.js';

describe('flattenConfig', () => {
  it('flattens to dotted keys with string values, lists as JSON', () => {
    expect(
      flattenConfig({
        name: 'x',
        seed: 42,
        training: { epochs: 3, optimizer: { type: 'adam', learning_rate: 0.001 } },
        model: { filters: [32, 64], length_head: false },
        augment: [{ type: 'invert', p: 0.5 }],
        mlflow: { tags: {} },
        stage: undefined,
        empty: null,
      }),
    ).toEqual({
      name: 'x',
      seed: '42',
      'training.epochs': '3',
      'training.optimizer.type': 'adam',
      'training.optimizer.learning_rate': '0.001',
      'model.filters': '[32,64]',
      'model.length_head': 'false',
      augment: '[{"type":"invert","p":0.5}]',
      'mlflow.tags': '{}',
      empty: 'null',
    });
  });
});
