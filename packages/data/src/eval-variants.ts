// Evaluation variants are the training augmentations at full strength (p = 1) on the test sequences, so a
// robustness number means exactly "what this augmentation does", and adding an augmentation adds a variant
// for free.
import type { AugmentConfig, EvalVariantConfig, EvalVariantName } from '@xp/core';
import { DataError } from './errors.js';

/** Seed of every variant's perturbations: fixed, so all runs are scored on the very same perturbed images. */
export const VARIANT_SEED = 1_000_003;

const RESERVED = new Set(['train', 'val', 'test']);

type VariantOf<K extends EvalVariantName> = Extract<EvalVariantConfig, { type: K }>;

// One builder per variant type; `satisfies` makes adding a variant to core's schema a compile error here.
const builders = {
  inverted: () => [{ type: 'invert', p: 1 }],
  rotated: (v: VariantOf<'rotated'>) => [digitAffine({ rotation: v.degrees })],
  noisy: (v: VariantOf<'noisy'>) => [{ type: 'gaussian_noise', p: 1, sigma: v.sigma }],
  shifted: (v: VariantOf<'shifted'>) => [digitAffine({ translate: v.translate })],
} satisfies { [K in EvalVariantName]: (v: VariantOf<K>) => AugmentConfig[] };

function digitAffine(o: { rotation?: number; translate?: number }): AugmentConfig {
  return { type: 'random_affine', p: 1, scope: 'digit', rotation: o.rotation ?? 0, translate: o.translate ?? 0, scale: [1, 1], shear: 0 };
}

/** The split name a variant is evaluated and logged under: its `name`, else its type. */
export function variantName(v: EvalVariantConfig): string {
  return v.name ?? v.type;
}

/** The augmentations (all with p = 1) that turn test sequences into this variant. */
export function variantAugments(v: EvalVariantConfig): AugmentConfig[] {
  return (builders[v.type] as (v: EvalVariantConfig) => AugmentConfig[])(v);
}

/** Variant name → its augmentations; throws on duplicate names or names that shadow a split. */
export function resolveVariants(variants: EvalVariantConfig[]): Map<string, AugmentConfig[]> {
  const out = new Map<string, AugmentConfig[]>();
  variants.forEach((v, i) => {
    const name = variantName(v);
    if (RESERVED.has(name) || out.has(name)) {
      const why = RESERVED.has(name) ? `shadows the '${name}' split` : 'is used twice';
      throw new DataError(
        'XP_DATA_CONFIG_INVALID',
        `evaluation.variants[${i}]: the variant name '${name}' ${why}; give it a distinct \`name\`.`,
      );
    }
    out.set(name, variantAugments(v));
  });
  return out;
}
