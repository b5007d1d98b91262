import type { ModelConfig } from '../schema/experiment.js';
import type { CheckIssue, ConfigCheck } from './check.js';

/** One 2×2 max-pool the model config asks for: the value that adds it, and how to name it in messages. */
interface PoolSite {
  pointer: string;
  label: string;
  /** How to drop this pool, for the message. */
  fix: string;
}

// Where each architecture pools, as its schema describes it ("one conv + 2×2 max-pool per entry" and
// "pool: 2×2 max-pool at the end of the block"). The switch is exhaustive, so a new model type must say.
function poolSites(model: ModelConfig): PoolSite[] {
  switch (model.type) {
    case 'baseline-cnn':
      return model.filters.map((_, i) => ({ pointer: `/model/filters/${i}`, label: `model.filters[${i}]`, fix: 'remove entries from model.filters' }));
    case 'multihead-cnn':
      return model.blocks.flatMap((block, i) =>
        block.pool ? [{ pointer: `/model/blocks/${i}`, label: `model.blocks[${i}]`, fix: 'set pool: false on this block or remove a block' }] : [],
      );
    default: {
      const unknown: never = model;
      return unknown;
    }
  }
}

/**
 * The model's 2×2 max-pools must leave at least a 1×1 feature map of the canvas.
 *
 * Each pool halves height and width (rounding down). Without this check a model with too many pools for its
 * canvas is only found when TensorFlow builds it, after the data is synthesised, and `xp validate` passes it.
 */
export const checkModelPooling: ConfigCheck = ({ model, data }) => {
  const sites = poolSites(model);
  const sizes: string[] = [];
  let h = data.canvas.height;
  let w = data.canvas.width;
  for (const [n, site] of sites.entries()) {
    sizes.push(`${h}×${w}`);
    const out = [Math.floor(h / 2), Math.floor(w / 2)];
    if (out[0] >= 1 && out[1] >= 1) {
      [h, w] = out;
      continue;
    }
    const canvas = `${data.canvas.height}×${data.canvas.width}`;
    const issue: CheckIssue = {
      pointer: site.pointer,
      message:
        `${site.label}: its 2×2 max-pool (pool ${n + 1} of the model) would shrink the ${h}×${w} feature map to ${out[0]}×${out[1]}; ` +
        `a ${canvas} canvas (data.canvas) takes at most ${n} pools (${sizes.join(' → ')}): ${site.fix}, or enlarge data.canvas`,
    };
    return [issue];
  }
  return [];
};
