import { describe, expect, it } from 'vitest';
import { parseOverride } from '../config/overrides.js';
import { paramOverrides } from './overrides.js';

describe('paramOverrides', () => {
  it('encodes each value so that --set parses it back unchanged', () => {
    const params = {
      'training.optimizer.learning_rate': 1e-7,
      'model.dropout': 0.3,
      'training.batch_size': 128,
      'model.length_head': true,
      name: 'a: b',
      stage: '3',
      flag: 'true',
      description: '',
      'model.filters': [32, 64],
      'training.optimizer': { type: 'sgd', momentum: 0.9 },
      'augment[0].p': null,
    };
    const options = paramOverrides(params);
    expect(options.slice(0, 4)).toEqual(['training.optimizer.learning_rate=1e-7', 'model.dropout=0.3', 'training.batch_size=128', 'model.length_head=true']);
    expect(options[8]).toBe('model.filters=[32,64]');
    for (const [i, [, value]] of Object.entries(params).entries()) expect(parseOverride(options[i]).value).toEqual(value);
  });

  it('refuses values YAML cannot carry', () => {
    expect(() => paramOverrides({ x: Number.NaN })).toThrow('encodeOverrideValue: value must be a finite number, received NaN');
    expect(() => paramOverrides({ x: undefined })).toThrow(/cannot encode a undefined/);
  });
});
