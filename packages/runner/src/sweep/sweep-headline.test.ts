// A sweep without `metric:` optimises its task's headline: resolved from the registries before any data is
// read, and carried in the loaded sweep's config to the trials (pruning) and the parent run.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseSweepText, type LoadedExperiment, type SweepConfig } from '@xp/core';
import { describe, expect, it, vi } from 'vitest';
import { FakeTarget } from '../callbacks/testing.js';
import { BUILT_IN, schemaExtensions, type Registries } from '../registries/registries.js';
import { sweepHeadline } from './sweep-headline.js';
import type { SweepStore } from './sweep-store.js';
import { TrialPruning } from './trial-callback.js';
import type { TrialSpec } from './trial-spec.js';

// A classification and a regression task, and a table dataset whose target kind its config tells (or not).
const task = (metric: string, mode: 'max' | 'min') => ({ headline: vi.fn((_c: unknown, validates: boolean) => ({ metric: validates ? `val_${metric}` : metric, mode })) });
const registries = {
  ...BUILT_IN,
  datasets: { table: { target: (c: { target?: 'class' | 'values' }) => (c.target ? { kind: c.target } : undefined) }, files: {} },
  tasks: { classification: task('accuracy', 'max'), regression: task('rmse', 'min') },
} as unknown as Registries;
const experiment = (data: Record<string, unknown>, taskConfig?: Record<string, unknown>) => ({ config: { data, ...(taskConfig ? { task: taskConfig } : {}) } }) as unknown as LoadedExperiment;

describe('sweepHeadline', () => {
  const headline = sweepHeadline(registries);

  it('asks the task the data target implies, as validated', () => {
    expect(headline(experiment({ type: 'table', target: 'class' }))).toEqual({ metric: 'val_accuracy', mode: 'max' });
    expect(headline(experiment({ type: 'table', target: 'values' }))).toEqual({ metric: 'val_rmse', mode: 'min' });
  });

  it('asks the task the config names, with its options', () => {
    const options = { type: 'regression', loss: 'huber' };
    expect(headline(experiment({ type: 'files' }, options))).toEqual({ metric: 'val_rmse', mode: 'min' });
    expect(registries.tasks.regression.headline).toHaveBeenLastCalledWith(options, true);
  });

  it('is undefined when the task is known only once the data is read', () => {
    expect(headline(experiment({ type: 'table' }))).toBeUndefined();
    expect(headline(experiment({ type: 'files' }))).toBeUndefined();
  });
});

describe('a sweep without metric', () => {
  const fixtures = fileURLToPath(new URL('../../../../test/fixtures/sweep/', import.meta.url));
  const text = 'sweep:\n  experiment: ./tiny-exp.yaml\n  method: random\n  max_trials: 2\n  parameters:\n    model.dropout: { values: [0.1, 0.3] }\n';
  const load = (r: Registries) => parseSweepText(text, path.join(fixtures, 'inline.yaml'), { extensions: schemaExtensions(r), headline: sweepHeadline(r) });

  it('optimises the sequence task\'s headline, and its trials prune on it', async () => {
    const sweep = await load(BUILT_IN);
    expect(sweep.config.metric).toEqual({ name: 'val_exact_match', goal: 'maximize' });

    const spec = { sweepId: 'p', parentRunId: 'p', experimentId: '1', trialNumber: 0, attempt: 'a-1', params: {}, sweep: sweep.config satisfies SweepConfig } as TrialSpec;
    const store = { trials: vi.fn(async () => []), attemptRunId: vi.fn(async () => 'run-0'), client: { setTags: vi.fn() } } as unknown as SweepStore;
    const shouldPrune = vi.fn(() => ({ prune: false, reason: '' }));
    const cb = new TrialPruning({ spec, pruner: { name: 'fake', shouldPrune }, store, log: () => {} });
    cb.setTarget(new FakeTarget());
    cb.onTrainBegin();
    await cb.onEpochEnd(0, { val_loss: 0.4, val_exact_match: 0.75 });
    expect(shouldPrune).toHaveBeenCalledWith(expect.objectContaining({ intermediate: { 0: 0.75 } }), 0, expect.anything());
  });

  it('is a config error at the sweep: key when the task is not known before the data is read', async () => {
    const unknown = { ...BUILT_IN, datasets: { ...BUILT_IN.datasets, mnist_sequences: { ...BUILT_IN.datasets.mnist_sequences, target: undefined } } };
    const err = await load(unknown).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).format(fixtures)).toMatch(/^inline\.yaml:1:1: the sweep has no metric, and the task of its experiment \(.*tiny-exp\.yaml\) is not known before its data is read/);
  });
});
