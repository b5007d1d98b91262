import { ConfigError, parseExperimentText, type SchemaExtensions } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { checkMnistSequences } from './checks.js';
import { MnistSequencesSchema, type MnistSequencesConfig } from './schema.js';

// The checks are tested through core's loader, so positions and the schema-first order are covered. Only the
// dataset is registered: the model section stays an open mapping and no model rule runs.
const extensions: SchemaExtensions = {
  datasets: { mnist_sequences: MnistSequencesSchema },
  checks: [(c) => checkMnistSequences(c.data as MnistSequencesConfig)],
};

const parse = (text: string) => parseExperimentText(text, 'exp.yaml', { extensions });

// `data` is the rest of the data section; `type:` comes last so that the lines above keep their numbers.
async function issuesOf(data: string) {
  const text = `name: x\nmodel: { type: baseline-cnn }\ndata:\n${data}  type: mnist_sequences\n`;
  const e = await parse(text).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).issues.map(({ line, col, path, message }) => ({ line, col, path, message }));
}

describe('mnist_sequences cross-field checks', () => {
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
    const text = 'name: x\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences, max_len: 3, spacing: 2, canvas: { width: 88 } }\n';
    await expect(parse(text)).resolves.toBeDefined();
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

  it('requires validation digits when validation sequences are asked for', async () => {
    expect(await issuesOf('  val_fraction: 0\n')).toEqual([
      {
        line: 4,
        col: 17,
        path: 'data.val_fraction',
        message: 'data.val.count is 6000 but data.val_fraction is 0, so there are no validation digits; set data.val_fraction above 0 or data.val.count to 0',
      },
    ]);
    const text = 'name: x\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences, val_fraction: 0, val: { count: 0 } }\n';
    await expect(parse(text)).resolves.toBeDefined();
  });

  it('reports every failing rule at once', async () => {
    expect((await issuesOf('  min_len: 5\n  max_len: 4\n  canvas: { height: 10 }\n  val_fraction: 0\n')).map((i) => i.path)).toEqual([
      'data.min_len',
      'data.canvas.width',
      'data.canvas.height',
      'data.val_fraction',
    ]);
  });

  it('runs only on a config that passed the schema', async () => {
    // min_len > max_len too, but a schema error comes alone: the rules trust the types.
    expect((await issuesOf('  min_len: 5\n  max_len: "four"\n')).map((i) => i.path)).toEqual(['data.max_len']);
  });

  it("is silent on the schema's defaults", async () => {
    // Parsing fills every default in; parse() throws a ConfigError on any issue, the checks' included.
    const exp = await parse('name: x\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences }\n');
    expect(checkMnistSequences(exp.config.data as MnistSequencesConfig)).toEqual([]);
    expect(exp.config.data).toMatchObject({ min_len: 1, max_len: 3, train: { count: 50000 } });
  });
});
