import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadExperiment, parseExperimentText } from '../testing/registries.testing.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

async function errorOf(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

describe('extends', () => {
  it('deep-merges a 3-level chain, the extending file winning', async () => {
    const { config, files } = await loadExperiment(fixture('extends/child.yaml'));
    expect(files).toEqual([fixture('extends/base.yaml'), fixture('extends/mid.yaml'), fixture('extends/child.yaml')]);
    expect(config.name).toBe('child'); // child over base
    expect(config.model).toMatchObject({ type: 'baseline-cnn', filters: [4], dense_units: 96, kernel_size: 3 }); // list replaced, not merged
    expect(config.training).toMatchObject({ epochs: 4, batch_size: 32 }); // mid over base, base kept
    expect(config.data.canvas).toEqual({ width: 56, height: 28 });
    expect(config).not.toHaveProperty('extends');
    expect(config).not.toHaveProperty('$schema');
  });

  it('replaces a base mapping whose type the child changes, and points errors into the child', async () => {
    const text = 'extends: mid.yaml\nname: x\nmodel:\n  type: multihead-cnn\n  dense_dropout: 1.5\ndata:\n  max_len: 2\n';
    const e = await errorOf(parseExperimentText(text, fixture('extends/inline.yaml')));
    // base.yaml's baseline-cnn `filters` is not carried over to multihead-cnn; the child's bad value is its own.
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: fixture('extends/inline.yaml'), line: 5, col: 18, path: 'model.dense_dropout' });
  });

  it('points cross-field errors at the base file that set the value', async () => {
    const text = 'extends: mid.yaml\nname: x\ndata:\n  max_len: 3\n';
    const e = await errorOf(parseExperimentText(text, fixture('extends/inline.yaml')));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: fixture('extends/base.yaml'), line: 12, col: 20, path: 'data.canvas.width' });
  });

  it('detects cycles, naming the chain and the extends line', async () => {
    const e = await errorOf(loadExperiment(fixture('cycle/a.yaml')));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: fixture('cycle/b.yaml'), line: 1, col: 10, path: 'extends' });
    expect(e.issues[0].message).toMatch(/^extends cycle: .*a\.yaml → .*b\.yaml → .*a\.yaml/);
  });

  it('reports a missing base file at its extends entry', async () => {
    const e = await errorOf(loadExperiment(fixture('missing-extends.yaml')));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: fixture('missing-extends.yaml'), line: 4, col: 5, path: 'extends' });
    expect(e.issues[0].message).toMatch(/'\.\/no-such-base\.yaml': file not found/);
  });

  it('merges a list of bases in order', async () => {
    const text = 'extends: [base.yaml, mid.yaml]\nname: listed\n';
    const { config, files } = await parseExperimentText(text, fixture('extends/listed.yaml'));
    expect(files.map((f) => f.split('/').pop())).toEqual(['base.yaml', 'mid.yaml', 'listed.yaml']);
    expect(config.training.epochs).toBe(4);
  });

  it('rejects an extends that is not a path', async () => {
    const e = await errorOf(parseExperimentText('name: x\nextends: 5\n', fixture('x.yaml')));
    expect(e.issues[0]).toMatchObject({ line: 2, col: 10, message: expect.stringMatching(/must be a file path or a list/) });
  });
});
