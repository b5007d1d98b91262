import { describe, expect, it } from 'vitest';
import { dataConfig } from '../../../test/helpers.js';
import { datasetTypes } from '../registry.js';
import { mnistSequences } from './index.js';
import { MnistSequencesSchema } from './schema.js';

describe('mnist_sequences (registry entry)', () => {
  it('is the registry entry of data.type mnist_sequences, with its own schema', () => {
    expect(Object.keys(datasetTypes)).toContain('mnist_sequences');
    expect(datasetTypes.mnist_sequences).toBe(mnistSequences);
    expect(mnistSequences.schema).toBe(MnistSequencesSchema);
    // The registry adds `type`; the entry's own schema must not declare it.
    expect(Object.keys(MnistSequencesSchema.properties)).not.toContain('type');
  });

  it('knows the input shape and the target from the config alone', () => {
    const config = dataConfig({ max_len: 4, canvas: { height: 32, width: 120 } });
    expect(mnistSequences.inputShape?.(config)).toEqual([32, 120, 1]);
    expect(mnistSequences.target?.(config)).toEqual({
      kind: 'sequence',
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'blank'],
      positions: 4,
      blank: 10,
    });
  });

  it('runs its cross-field checks', () => {
    expect(mnistSequences.checks?.(dataConfig(), { augment: [] })).toEqual([]);
    expect(mnistSequences.checks?.(dataConfig({ min_len: 4 }), { augment: [] }).map((i) => i.pointer)).toEqual(['/data/min_len']);
  });
});
