import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, displayPath } from '../errors.js';
import { loadSweep, parseSweepText } from '../testing/registries.testing.js';
import type { SweepLoadOptions } from './load-sweep.js';

const dir = fileURLToPath(new URL('../../test/fixtures/sweep/', import.meta.url));
const fixture = (name: string) => path.join(dir, name);
const inline = fixture('inline.yaml'); // not on disk: only its folder matters, for `experiment:`

/** A sweep file with the given `parameters:` lines (indented by 4) and extra `sweep:` lines. */
function sweepText(parameters: string, extra = 'method: random\n  max_trials: 10'): string {
  return `sweep:\n  experiment: ./experiment.yaml\n  metric: { name: val_exact_match, goal: maximize }\n  ${extra}\n  parameters:\n${parameters
    .trim()
    .split('\n')
    .map((l) => `    ${l.trim()}`)
    .join('\n')}\n`;
}

async function problems(text: string, opts: SweepLoadOptions = {}): Promise<string[]> {
  try {
    await parseSweepText(text, inline, opts);
  } catch (e) {
    if (e instanceof ConfigError) return e.format(dir).split('\n');
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSweep', () => {
  it('loads the issue example with defaults filled in and its experiment', async () => {
    const sweep = await loadSweep(fixture('sweep.yaml'));
    expect(sweep.file).toBe(fixture('sweep.yaml'));
    expect(sweep.config).toMatchObject({
      method: 'tpe',
      max_trials: 40,
      parallel: 2,
      seed: 0,
      allow_truncation: false,
      early_termination: { type: 'asha', min_epochs: 2, reduction_factor: 3 },
      tpe: { n_ei_candidates: 24, multivariate: true },
    });
    expect(Object.keys(sweep.config.parameters)).toEqual(['training.optimizer.learning_rate', 'model.dropout', 'training.batch_size']);
    expect(sweep.experiment.file).toBe(fixture('experiment.yaml'));
    expect(sweep.experiment.config.name).toBe('sweep-base');
  });

  it('points at a misspelt parameter path and suggests the real one', async () => {
    await expect(loadSweep(fixture('typo.yaml'))).rejects.toThrow(
      /typo\.yaml:7:5: parameter 'model\.dropot' is not a path of the experiment \(.*experiment\.yaml\); did you mean 'model\.dropout'\?/,
    );
  });

  it('rejects a range whose end is not valid for the experiment, at that end', async () => {
    await expect(loadSweep(fixture('bad-value.yaml'))).rejects.toThrow(
      /bad-value\.yaml:7:60: parameter 'model\.dropout' = 1 is not valid for the experiment \(.*\): model\.dropout must be < 1, got 1/,
    );
  });

  it('rejects a listed value that is not valid for the experiment, at that value', async () => {
    const exp = displayPath(fixture('experiment.yaml'));
    expect(await problems(sweepText("training.batch_size: { values: [64, 0, 'big'] }"))).toEqual([
      `inline.yaml:7:41: parameter 'training.batch_size' = 0 is not valid for the experiment (${exp}): training.batch_size must be >= 1, got 0 (Sequences per training step. Defaults to 64.)`,
      `inline.yaml:7:44: parameter 'training.batch_size' = "big" is not valid for the experiment (${exp}): training.batch_size must be a whole number, got the string "big" (Sequences per training step. Defaults to 64.)`,
    ]);
  });

  it('sweeps training.precision over its two values and rejects another', async () => {
    await expect(parseSweepText(sweepText('training.precision: { values: [float32, mixed_bfloat16] }'), inline)).resolves.toBeDefined();
    expect(await problems(sweepText('training.precision: { values: [float32, float16] }'))).toEqual([
      expect.stringMatching(/parameter 'training\.precision' = "float16" is not valid for the experiment .*training\.precision must be one of/),
    ]);
  });

  it('points at the experiment reference when the file is missing', async () => {
    const text = sweepText('model.dropout: { values: [0.2] }').replace('./experiment.yaml', './nope.yaml');
    expect(await problems(text)).toEqual([
      `inline.yaml:2:15: experiment file './nope.yaml' not found (looked for ${displayPath(fixture('nope.yaml'))}); the path is relative to the sweep file`,
    ]);
  });

  it.each([
    ['min not below max', '{ distribution: uniform, min: 0.5, max: 0.1 }', /7:50: parameters\.model\.dropout: min must be below max, got min 0\.5 and max 0\.1/],
    ['log_uniform with min 0', '{ distribution: log_uniform, min: 0, max: 0.5 }', /log_uniform needs min > 0 .*got 0/],
    ['int_uniform with a fraction', '{ distribution: int_uniform, min: 0.5, max: 3 }', /int_uniform needs a whole-number min, got 0\.5/],
    ['a step larger than the range', '{ distribution: uniform, min: 0, max: 0.5, q: 1 }', /q \(1\) is larger than max - min \(0\.5\)/],
    ['grid_points outside a grid', '{ distribution: uniform, min: 0, max: 0.5, grid_points: 3 }', /grid_points only applies to method: grid, but method is random/],
    ['an unknown key', '{ value: [0.1] }', /unknown key 'value' in sweep\.parameters\.model\.dropout; did you mean 'values'\?/],
    ['an unknown distribution', '{ distribution: normal, min: 0, max: 0.5 }', /must be one of: uniform, log_uniform, int_uniform; got the string "normal"/],
    ['an empty list', '{ values: [] }', /needs at least 1 item/],
  ])('rejects %s', async (_what, spec, message) => {
    expect(await problems(sweepText(`model.dropout: ${spec}`))).toContainEqual(expect.stringMatching(message));
  });

  it('rejects an empty parameters section and tpe settings without method tpe', async () => {
    const text = 'sweep:\n  experiment: ./experiment.yaml\n  metric: { name: m, goal: minimize }\n  method: grid\n  max_trials: 3\n  tpe: { n_startup_trials: 3 }\n  parameters: {}\n';
    expect(await problems(text)).toEqual([
      "inline.yaml:7:15: parameters is empty; add at least one, e.g. model.dropout: { values: [0.2, 0.5] }",
    ]);
    const tpe = text.replace('parameters: {}', 'parameters:\n    model.dropout: { values: [0.2] }');
    expect(await problems(tpe)).toEqual(['inline.yaml:6:8: tpe settings only apply to method: tpe, but method is grid; remove them']);
  });

  it('rejects early_termination.min_epochs beyond the experiment\'s epochs', async () => {
    const text = sweepText('model.dropout: { values: [0.2] }', 'method: random\n  max_trials: 10\n  early_termination: { type: median, min_epochs: 7 }');
    expect(await problems(text)).toEqual([expect.stringMatching(/min_epochs 7 is more than the experiment's training\.epochs \(6\)/)]);
  });
});

describe('the sweep metric', () => {
  const headline = (metric: string, mode: 'max' | 'min') => () => ({ metric, mode });
  const without = (metric: string) => sweepText('model.dropout: { values: [0.2] }').replace('  metric: { name: val_exact_match, goal: maximize }\n', metric);

  it('defaults to the task\'s headline and its direction', async () => {
    const max = await parseSweepText(without(''), inline, { headline: headline('val_accuracy', 'max') });
    expect(max.config.metric).toEqual({ name: 'val_accuracy', goal: 'maximize' });
    const min = await parseSweepText(without('  metric: {}\n'), inline, { headline: headline('val_rmse', 'min') });
    expect(min.config.metric).toEqual({ name: 'val_rmse', goal: 'minimize' });
    // Naming the headline without a goal takes its direction; the headline given the experiment is what is asked.
    const named = await parseSweepText(without('  metric: { name: val_rmse }\n'), inline, { headline: (e) => ({ metric: 'val_rmse', mode: e.config.name === 'sweep-base' ? 'min' : 'max' }) });
    expect(named.config.metric).toEqual({ name: 'val_rmse', goal: 'minimize' });
  });

  it('keeps a metric written in full, headline or not', async () => {
    const sweep = await parseSweepText(without('  metric: { name: val_loss, goal: minimize }\n'), inline, { headline: headline('val_accuracy', 'max') });
    expect(sweep.config.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
    expect((await parseSweepText(without('  metric: { name: val_loss, goal: minimize }\n'), inline)).config.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
  });

  it('asks for the metric at the sweep: key when the task is not known before the data is read', async () => {
    expect(await problems(without(''))).toEqual([expect.stringMatching(/^inline\.yaml:1:1: the sweep has no metric, and the task of its experiment .* is not known before its data is read .*; add metric: \{ name: /)]);
    expect(await problems(without(''), { headline: () => undefined })).toHaveLength(1);
  });

  it('asks for a goal of a metric other than the headline, and refuses a goal against the headline', async () => {
    const opts = { headline: headline('val_accuracy', 'max') };
    expect(await problems(without('  metric: { name: val_loss }\n'), opts)).toEqual([
      'inline.yaml:3:19: metric val_loss needs a goal: only the task\'s headline (val_accuracy, maximize) has a known direction; add goal: maximize or goal: minimize',
    ]);
    expect(await problems(without('  metric: { goal: minimize }\n'), opts)).toEqual([
      'inline.yaml:3:19: metric.goal minimize is the wrong way round for the task\'s headline val_accuracy (maximize); remove goal, or name another metric',
    ]);
  });
});

describe('grid sweeps', () => {
  const grid = (maxTrials: number, extra = '') => `method: grid\n  max_trials: ${maxTrials}${extra}`;
  const params = "model.dropout: { values: [0.2, 0.3, 0.5] }\ntraining.batch_size: { values: [64, 128] }\ntraining.epochs: { distribution: int_uniform, min: 2, max: 5 }";

  it('accepts a grid that fits in max_trials', async () => {
    await expect(parseSweepText(sweepText(params, grid(24)), inline)).resolves.toBeDefined();
  });

  it('rejects a grid larger than max_trials unless truncation is allowed', async () => {
    expect(await problems(sweepText(params, grid(20)))).toEqual([
      'inline.yaml:5:15: the grid has 3 × 2 × 4 = 24 combinations, more than max_trials 20; raise max_trials to 24, or set allow_truncation: true to run a random 20 of them',
    ]);
    await expect(parseSweepText(sweepText(params, grid(20, '\n  allow_truncation: true')), inline)).resolves.toBeDefined();
  });

  it('needs q or grid_points for a continuous range', async () => {
    const found = await problems(sweepText('model.dropout: { distribution: uniform, min: 0, max: 0.5 }', grid(10)));
    expect(found).toEqual([expect.stringMatching(/7:5: parameters\.model\.dropout: a uniform range has no grid points; add q .* or grid_points/)]);
  });
});

describe('conditional parameters', () => {
  const types = 'model.type: { values: [baseline-cnn, multihead-cnn] }';

  it('checks a conditional path with its condition applied', async () => {
    const ok = `${types}\nmodel.dense_dropout: { values: [0.3, 0.6], when: { model.type: multihead-cnn } }`;
    // The experiment writes `dropout:` for baseline-cnn, which multihead-cnn does not have.
    const found = await problems(sweepText(ok));
    expect(found).toContainEqual(expect.stringMatching(/experiment\.yaml:5:3: with sweep parameter 'model\.type' = "multihead-cnn": unknown key 'dropout' in model \(type multihead-cnn\); allowed keys: type, blocks/));
    expect(found.filter((l) => l.includes("'model.dense_dropout'"))).toEqual([]);
  });

  it.each([
    ['a later parameter', 'model.dropout: { values: [0.2], when: { training.batch_size: 64 } }\ntraining.batch_size: { values: [64] }', /must refer to an earlier parameter: 'training\.batch_size' comes after it/],
    ['an unknown parameter', 'model.dropout: { values: [0.2], when: { model.typ: x } }', /'model\.typ' is not a parameter of this sweep/],
    ['a value never taken', `${types}\nmodel.dropout: { values: [0.2], when: { model.type: resnet } }`, /'model\.type' never takes the value "resnet"/],
    ['a range', 'training.epochs: { distribution: int_uniform, min: 1, max: 3 }\nmodel.dropout: { values: [0.2], when: { training.epochs: 2 } }', /conditions need a parameter with values/],
  ])('rejects a when on %s', async (_what, parameters, message) => {
    expect(await problems(sweepText(parameters))).toEqual([expect.stringMatching(message)]);
  });
});
