import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadExperiment } from '../testing/registries.testing.js';
import { parseOverride } from './overrides.js';

const valid = fileURLToPath(new URL('../../test/fixtures/valid.yaml', import.meta.url));

async function errorOf(overrides: string[]): Promise<ConfigError> {
  const e = await loadExperiment(valid, { overrides }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

describe('parseOverride', () => {
  it.each([
    ['training.epochs=3', ['training', 'epochs'], 3],
    ['model.filters=[16,32]', ['model', 'filters'], [16, 32]],
    ['augment[0].p=0.5', ['augment', 0, 'p'], 0.5],
    ['augment.0.p=0.5', ['augment', 0, 'p'], 0.5],
    ['name=a=b', ['name'], 'a=b'],
    ['description=', ['description'], ''],
    ['training.optimizer={type: sgd}', ['training', 'optimizer'], { type: 'sgd' }],
  ])('%s', (option, segments, value) => {
    expect(parseOverride(option)).toEqual({ option, segments, value });
  });

  it.each(['seed=!!js/function "f"', 'name=!secret x', 'seed=!!binary aGVsbG8='])('refuses the YAML tag in %s', (option) => {
    expect(() => parseOverride(option)).toThrow(/: YAML tag !\S+ is not allowed: values are plain data/);
  });

  it('rejects an option without =', () => {
    expect(() => parseOverride('training.epochs')).toThrow(/expected --set path.to.key=value/);
  });
});

describe('--set', () => {
  it('sets values, including keys that only exist as defaults', async () => {
    const { config } = await loadExperiment(valid, { overrides: ['training.epochs=7', 'model.filters=[16,32]', 'data.val.count=0'] });
    expect(config.training.epochs).toBe(7);
    expect(config.model).toMatchObject({ filters: [16, 32] });
    expect(config.data).toMatchObject({ val: { count: 0 } });
  });

  it('switches a union type and fills in the new type defaults', async () => {
    const { config } = await loadExperiment(valid, { overrides: ['training.optimizer.type=sgd'] });
    expect(config.training.optimizer).toEqual({ type: 'sgd', learning_rate: 0.001, momentum: 0, nesterov: false });
  });

  it('names the option and suggests the closest key when the parent does not exist', async () => {
    const e = await errorOf(['trainng.epochs=3', 'training.optimzer.learning_rate=0.1']);
    expect(e.issues).toEqual([
      { file: '--set trainng.epochs=3', path: 'trainng', message: "there is no key 'trainng' at the top level; did you mean 'training'?" },
      {
        file: '--set training.optimzer.learning_rate=0.1',
        path: 'training.optimzer',
        message: "there is no key 'optimzer' in training; did you mean 'optimizer'?",
      },
    ]);
  });

  it('refuses keys that only mean something in the file', async () => {
    const e = await errorOf(['extends=base.yaml']);
    expect(e.issues[0].message).toMatch(/^extends cannot be overridden/);
  });

  it('refuses a path through a scalar', async () => {
    const e = await errorOf(['seed.value=1']);
    expect(e.issues[0].message).toBe("seed is 42, not a section or list, so it has no 'value'");
  });

  it('attributes errors in overridden values to the option', async () => {
    const e = await errorOf(['training.epochs=ten', 'training.epocs=3']);
    expect(e.issues).toEqual([
      expect.objectContaining({ file: '--set training.epochs=ten', path: 'training.epochs', message: expect.stringMatching(/must be a whole number, got the string "ten"/) }),
      expect.objectContaining({ file: '--set training.epocs=3', path: 'training.epocs', message: "unknown key 'epocs' in training; did you mean 'epochs'?" }),
    ]);
  });
});
