import '@tensorflow/tfjs-node-gpu';
import { ConfigError } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { disposedAfterEach } from '../../testing/keep-models.testing.js';
import { sequenceModel } from '../../testing/experiment.testing.js';

// The sequence task on a `layers` model: the model's own slot split (`slots`) gets only the task's classifier.

const keep = disposedAfterEach();

const conv = (filters: number) => ({ conv2d: { filters, activation: 'relu' } });

describe('sequence heads on a layers model', () => {
  it('put one shared 11-way classifier on the per-slot features, with a length head on the flattened map', async () => {
    const model = keep(
      await sequenceModel({ type: 'layers', length_head: true, layers: [conv(2), { max_pool: {} }, { max_pool: {} }, { slots: {} }, { dense: { units: 5, activation: 'relu' } }] }),
    );
    expect(model.outputNames).toEqual(['digits', 'length']);
    expect(model.getLayer('slots_features').outputShape).toEqual([null, 3, 7 * 7 * 2]);
    expect(model.getLayer('digits').outputShape).toEqual([null, 3, 11]);
    // dense 98·5 + 5; digits 5·11 + 11 (one classifier for every position); length 7·21·2 → 4.
    expect(model.getLayer('digits').countParams()).toBe(66);
    expect(model.getLayer('length').countParams()).toBe(294 * 4 + 4);
  });

  it('stack a head per position on a list without slots', async () => {
    const model = keep(await sequenceModel({ type: 'layers', layers: [conv(2), { global_avg_pool: {} }] }));
    expect(model.getLayer('digits').outputShape).toEqual([null, 3, 11]);
    expect(model.getLayer('digit_logits').countParams()).toBe(2 * 33 + 33);
  });

  it('refuse slots whose map width does not divide by the positions, at the slots entry', async () => {
    // 84 → 42 → 21 → 10 columns: not a multiple of 3.
    const error = await sequenceModel({ type: 'layers', layers: [conv(2), { max_pool: {} }, { max_pool: {} }, { max_pool: {} }, { slots: {} }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: 'model.layers[4]', message: expect.stringContaining('its width 10 does not divide by the 3 positions') as unknown });
  });
});
