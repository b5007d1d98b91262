import { ConfigError, parseExperimentText, type SchemaExtensions } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { modelTypes } from './registry.js';

// The pooling rule of each model, run by core's loader as the runner runs it, so the issue lands at the option's
// line and column. Models know no dataset: a stand-in `data` (an open section without a dataset registry) gives
// the input shape, as a real dataset's `inputShape` would.
const extensions: SchemaExtensions = {
  models: Object.fromEntries(Object.entries(modelTypes).map(([name, entry]) => [name, entry.schema])),
  checks: [
    ({ model, data }) => {
      const [height, width] = [Number(data.height), Number(data.width)];
      return modelTypes[model.type].checks?.(model, [height, width, 1]) ?? [];
    },
  ],
};

const parse = (text: string) => parseExperimentText(text, 'exp.yaml', { extensions });

async function poolingIssues(model: string, input = 'height: 28, width: 84') {
  const e = await parse(`name: x\nmodel:\n${model}data: { type: stand_in, ${input} }\n`).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).issues.map(({ line, col, path, message }) => ({ line, col, path, message }));
}

describe('model pooling check', () => {
  it('blames the multihead block whose pool empties the feature map, with the shapes', async () => {
    const blocks = [1, 2, 3, 4, 5].map(() => '    - { filters: [4] }\n').join('');
    expect(await poolingIssues(`  type: multihead-cnn\n  blocks:\n${blocks}`)).toEqual([
      {
        line: 9,
        col: 7,
        path: 'model.blocks[4]',
        message:
          'model.blocks[4]: its 2×2 max-pool block_4_pool (pool 5 of the model) would shrink the 1×5 feature map to 0×2; a 28×84 input ' +
          'takes at most 4 pools (28×84 → 14×42 → 7×21 → 3×10 → 1×5): set pool: false on this block or remove a block, or enlarge the input image',
      },
    ]);
  });

  it('counts only blocks that pool', async () => {
    const blocks = [1, 2, 3, 4].map(() => '    - { filters: [4] }\n').join('') + '    - { filters: [4], pool: false }\n';
    await expect(parse(`name: x\nmodel:\n  type: multihead-cnn\n  blocks:\n${blocks}data: { type: stand_in, height: 28, width: 84 }\n`)).resolves.toBeDefined();
  });

  it('blames the baseline filters entry, and follows the input size', async () => {
    await expect(parse('name: x\nmodel: { type: baseline-cnn, filters: [4, 4, 4, 4] }\ndata: { type: stand_in, height: 28, width: 84 }\n')).resolves.toBeDefined();
    const [bad, ...more] = await poolingIssues('  type: baseline-cnn\n  filters: [4, 4, 4, 4, 4, 4, 4]\n', 'height: 64, width: 84');
    expect(more).toEqual([]);
    expect(bad).toMatchObject({ line: 4, col: 31, path: 'model.filters[6]' });
    expect(bad.message).toContain('would shrink the 1×1 feature map to 0×0');
    expect(bad.message).toContain('takes at most 6 pools');
    expect(bad.message).toContain('remove entries from model.filters, or enlarge the input image');
  });

  it('leaves the default blocks of every model that has defaults alone on a 28×84 input', async () => {
    // `layers` has no default list: a layer list is the one thing its YAML must say.
    const withDefaults = Object.keys(modelTypes).filter((t) => !modelTypes[t].schema.required?.length);
    expect(withDefaults).toEqual(['baseline-cnn', 'multihead-cnn', 'mlp']);
    for (const type of withDefaults) {
      await expect(parse(`name: x\nmodel: { type: ${type} }\ndata: { type: stand_in, height: 28, width: 84 }\n`)).resolves.toBeDefined();
    }
  });
});
