import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseExperimentText } from '../loader.js';

// Checks are tested through the public entry point, so positions and the schema-first order are covered.
async function issuesOf(data: string) {
  const text = `name: x\nmodel: { type: baseline-cnn }\ndata:\n${data}`;
  const e = await parseExperimentText(text, 'exp.yaml').catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).issues.map(({ line, col, path, message }) => ({ line, col, path, message }));
}

describe('cross-field checks', () => {
  it('requires min_len <= max_len', async () => {
    expect(await issuesOf('  min_len: 3\n  max_len: 2\n')).toEqual([
      {
        line: 4,
        col: 12,
        path: 'data.min_len',
        message: 'data.min_len (3) is greater than data.max_len (2); lower data.min_len or raise data.max_len',
      },
    ]);
  });

  it('requires the canvas to fit max_len digits plus spacing', async () => {
    const [issue] = await issuesOf('  max_len: 3\n  spacing: 2\n');
    // width was left to its default, so the `data:` key is blamed
    expect(issue).toMatchObject({ line: 3, col: 1, path: 'data.canvas.width' });
    expect(issue.message).toBe(
      'data.canvas.width (84) is too narrow for data.max_len=3 digits of 28 px with data.spacing=2: it needs at least 88; set data.canvas.width to 88 or more, or lower data.max_len or data.spacing',
    );
  });

  it('accepts a canvas that fits exactly', async () => {
    const text = 'name: x\nmodel: { type: baseline-cnn }\ndata: { max_len: 3, spacing: 2, canvas: { width: 88 } }\n';
    await expect(parseExperimentText(text, 'exp.yaml')).resolves.toBeDefined();
  });

  it('requires the canvas to be at least one digit tall', async () => {
    expect(await issuesOf('  canvas:\n    height: 20\n')).toEqual([
      {
        line: 5,
        col: 13,
        path: 'data.canvas.height',
        message: 'data.canvas.height (20) is smaller than a 28 px digit; set data.canvas.height to at least 28',
      },
    ]);
  });

  it('reports every failing rule at once', async () => {
    expect((await issuesOf('  min_len: 5\n  max_len: 4\n  canvas: { height: 10 }\n')).map((i) => i.path)).toEqual([
      'data.min_len',
      'data.canvas.width',
      'data.canvas.height',
    ]);
  });
});

describe('model pooling check', () => {
  async function poolingIssues(model: string, canvas = '') {
    const text = `name: x\nmodel:\n${model}data: { max_len: 3${canvas} }\n`;
    const e = await parseExperimentText(text, 'exp.yaml').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(({ line, col, path, message }) => ({ line, col, path, message }));
  }

  it('blames the multihead block whose pool empties the feature map, with the shapes', async () => {
    const blocks = [1, 2, 3, 4, 5].map(() => '    - { filters: [4] }\n').join('');
    expect(await poolingIssues(`  type: multihead-cnn\n  blocks:\n${blocks}`)).toEqual([
      {
        line: 9,
        col: 7,
        path: 'model.blocks[4]',
        message:
          'model.blocks[4]: its 2×2 max-pool (pool 5 of the model) would shrink the 1×5 feature map to 0×2; a 28×84 canvas (data.canvas) ' +
          'takes at most 4 pools (28×84 → 14×42 → 7×21 → 3×10 → 1×5): set pool: false on this block or remove a block, or enlarge data.canvas',
      },
    ]);
  });

  it('counts only blocks that pool', async () => {
    const blocks = [1, 2, 3, 4].map(() => '    - { filters: [4] }\n').join('') + '    - { filters: [4], pool: false }\n';
    await expect(parseExperimentText(`name: x\nmodel:\n  type: multihead-cnn\n  blocks:\n${blocks}`, 'exp.yaml')).resolves.toBeDefined();
  });

  it('blames the baseline filters entry, and follows the canvas size', async () => {
    await expect(parseExperimentText('name: x\nmodel: { type: baseline-cnn, filters: [4, 4, 4, 4] }\n', 'exp.yaml')).resolves.toBeDefined();
    const [bad] = await poolingIssues('  type: baseline-cnn\n  filters: [4, 4, 4, 4, 4, 4, 4]\n', ', canvas: { height: 64, width: 84 }');
    expect(bad).toMatchObject({ line: 4, col: 31, path: 'model.filters[6]' });
    expect(bad.message).toContain('would shrink the 1×1 feature map to 0×0');
    expect(bad.message).toContain('takes at most 6 pools');
  });
});
