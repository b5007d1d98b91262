import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadExperiment, parseExperimentText } from '../testing/registries.testing.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

async function issuesOf(text: string) {
  const e = await parseExperimentText(text, 'exp.yaml').catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).issues.map(({ line, col, path, message }) => ({ line, col, path, message }));
}

describe('schema errors', () => {
  it('reports a type error, an unknown key and a missing key, each at its place', async () => {
    const file = fixture('three-errors.yaml');
    const e = await loadExperiment(file).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).issues).toEqual([
      { file, line: 2, col: 1, path: 'name', message: "missing required key 'name' at the top level (Run name shown in MLflow.); add it" },
      {
        file,
        line: 5,
        col: 11,
        path: 'training.epochs',
        message: 'training.epochs must be a whole number, got the string "ten" (Maximum number of epochs. Defaults to 10.)',
      },
      { file, line: 6, col: 3, path: 'training.epocs', message: "unknown key 'epocs' in training; did you mean 'epochs'?" },
    ]);
  });

  it('names the known types of an unknown union type', async () => {
    expect(await issuesOf('name: x\nmodel:\n  type: resnet\ndata: { type: mnist_sequences }\n')).toEqual([
      { line: 3, col: 9, path: 'model.type', message: "unknown model type 'resnet'; known: baseline-cnn, multihead-cnn" },
    ]);
    const [issue] = await issuesOf('name: x\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences }\naugment:\n  - type: elastc\n');
    expect(issue.message).toBe(
      "unknown augment type 'elastc' at augment[0]; did you mean 'elastic'? known: random_affine, elastic, gaussian_noise, random_erasing, invert",
    );
  });

  it('reports a union that is not a mapping once', async () => {
    expect(await issuesOf('name: x\nmodel: 5\ntraining:\ndata: { type: mnist_sequences }\n')).toEqual([
      { line: 2, col: 8, path: 'model', message: 'model must be a mapping (key: value lines), got 5 (Architecture, chosen by `type` from the model registry.)' },
      { line: 3, col: 10, path: 'training', message: 'training must be a mapping (key: value lines), got an empty value (Optimisation settings.)' },
    ]);
  });

  it('asks for a missing union type', async () => {
    expect(await issuesOf('name: x\nmodel:\n  filters: [8]\ndata: { type: mnist_sequences }\n')).toEqual([
      { line: 2, col: 1, path: 'model.type', message: 'model needs a \'type\'; known: baseline-cnn, multihead-cnn' },
    ]);
  });

  it('lists the allowed keys when no key is close', async () => {
    const [issue] = await issuesOf('name: x\nmodel: { type: baseline-cnn }\ntraining:\n  zzz: 1\ndata: { type: mnist_sequences }\n');
    expect(issue).toMatchObject({ line: 4, col: 3, path: 'training.zzz' });
    expect(issue.message).toBe(
      "unknown key 'zzz' in training; allowed keys: epochs, batch_size, eval_batch_size, optimizer, label_smoothing, precision, precision_fallback, conv_kernel, threads",
    );
  });

  it('reports every error, without the if/then noise', async () => {
    const text = [
      'name: "bad name"',
      'backend: gpu',
      'model:',
      '  type: baseline-cnn',
      '  filters: []',
      '  dropout: 1',
      'training:',
      '  optimizer: { type: sgd, lr: 0.1 }',
      'data:',
      '  type: mnist_sequences',
      '  canvas: { height: "tall" }',
      '',
    ].join('\n');
    const issues = await issuesOf(text);
    expect(issues.map((i) => [i.line, i.col, i.path])).toEqual([
      [1, 7, 'name'],
      [2, 10, 'backend'],
      [5, 12, 'model.filters'],
      [6, 12, 'model.dropout'],
      [8, 27, 'training.optimizer.lr'],
      [11, 21, 'data.canvas.height'],
    ]);
    expect(issues[1].message).toBe('backend must be one of: tensorflow, cpu; got the string "gpu"');
    expect(issues[2].message).toBe('model.filters needs at least 1 item(s), got a list ([])');
    expect(issues[3].message).toMatch(/^model.dropout must be < 1, got 1/);
    expect(issues[4].message).toBe("unknown key 'lr' in training.optimizer (type sgd); allowed keys: type, learning_rate, momentum, nesterov, clipnorm, global_clipnorm, clipvalue");
    expect(issues.some((i) => /then/.test(i.message))).toBe(false);
  });
});

describe('defaults', () => {
  it('fills in defaults inside the branches of discriminated unions', async () => {
    const { config } = await parseExperimentText('name: x\nmodel: { type: baseline-cnn }\naugment: [{ type: elastic }]\ndata: { type: mnist_sequences }\n', 'exp.yaml');
    expect(config.model).toEqual({ type: 'baseline-cnn', filters: [32, 64], kernel_size: 3, dense_units: 128, dropout: 0, length_head: false });
    expect(config.training.optimizer).toEqual({ type: 'adam', learning_rate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(config.augment).toEqual([{ type: 'elastic', p: 1, scope: 'canvas', alpha: 8, sigma: 3 }]);
    expect(config.data.source).toEqual({ type: 'npm' });
  });

  it('gives each config its own copy of list defaults', async () => {
    const a = await parseExperimentText('name: a\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences }\n', 'a.yaml');
    const b = await parseExperimentText('name: b\nmodel: { type: baseline-cnn }\ndata: { type: mnist_sequences }\n', 'b.yaml');
    expect(a.config.model).not.toBe(b.config.model);
    expect(a.config.model.filters).toEqual(b.config.model.filters);
    expect(a.config.model.filters).not.toBe(b.config.model.filters);
  });
});
