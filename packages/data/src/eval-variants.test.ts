import { describe, expect, it } from 'vitest';
import { EvalVariantSchemas } from '@xp/core';
import { DataError } from './errors.js';
import { resolveVariants, variantAugments, variantName } from './eval-variants.js';

describe('evaluation variants', () => {
  it('turns every variant type into p = 1 augmentations', () => {
    const all = [
      { type: 'inverted' as const },
      { type: 'rotated' as const, degrees: 30 },
      { type: 'noisy' as const, sigma: 0.15 },
      { type: 'shifted' as const, translate: 0.15 },
    ];
    expect(all.map((v) => v.type).sort()).toEqual(Object.keys(EvalVariantSchemas).sort());
    for (const v of all) {
      const steps = variantAugments(v);
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.every((s) => s.p === 1)).toBe(true);
    }
    expect(variantAugments({ type: 'rotated', degrees: 12 })).toEqual([
      { type: 'random_affine', p: 1, scope: 'digit', rotation: 12, translate: 0, scale: [1, 1], shear: 0 },
    ]);
  });

  it('names a variant by `name`, else by type', () => {
    expect(variantName({ type: 'noisy', sigma: 0.1 })).toBe('noisy');
    expect(variantName({ type: 'noisy', sigma: 0.3, name: 'noisy_hard' })).toBe('noisy_hard');
    expect([...resolveVariants([{ type: 'noisy', sigma: 0.1 }, { type: 'noisy', sigma: 0.3, name: 'noisy_hard' }]).keys()]).toEqual(['noisy', 'noisy_hard']);
  });

  it('rejects duplicate names and names of splits', () => {
    expect(() => resolveVariants([{ type: 'inverted' }, { type: 'inverted' }])).toThrow(/evaluation\.variants\[1\]: the variant name 'inverted' is used twice/);
    expect(() => resolveVariants([{ type: 'inverted', name: 'test' }])).toThrow(DataError);
  });
});
