import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadExperiment } from '@xp/core';
import { NO_PLUGINS } from '../plugins/load-plugins.js';
import { describe, expect, it } from 'vitest';
import { bestConfigYaml, trialCounts, trialsCsv } from './report.js';
import type { TrialRecord } from './types.js';

const trials: TrialRecord[] = [
  { number: 0, runId: 'r0', state: 'COMPLETE', params: { lr: 0.01, filters: [16, 32] }, value: 0.9, intermediate: { 0: 0.8, 1: 0.9 } },
  { number: 1, runId: 'r1', state: 'PRUNED', params: { lr: 0.1, filters: [8] }, intermediate: { 0: 0.2 } },
  { number: 2, state: 'FAILED', params: { lr: 'a,"b"' }, intermediate: {} },
];

describe('trialsCsv', () => {
  it('writes one row per trial, lists as JSON, quoting per RFC 4180', () => {
    expect(trialsCsv(trials, ['lr', 'filters'])).toBe(
      [
        'number,run_id,state,lr,filters,value,epochs,last_value',
        '0,r0,COMPLETE,0.01,"[16,32]",0.9,2,0.9',
        '1,r1,PRUNED,0.1,[8],,1,0.2',
        '2,,FAILED,"a,""b""",,,0,',
        '',
      ].join('\n'),
    );
  });
});

describe('trialCounts', () => {
  it('counts by state', () => expect(trialCounts(trials)).toEqual({ total: 3, complete: 1, pruned: 1, failed: 1, running: 0 }));
});

describe('bestConfigYaml', () => {
  it('is the resolved experiment with the best params, and loads as an experiment from anywhere', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xp-best-'));
    writeFileSync(path.join(dir, 'base.yaml'), 'name: base\nexperiment: t\ndata: { type: mnist_sequences, train: { count: 64 } }\nmodel: { type: baseline-cnn, filters: [32, 64] }\ntraining: { epochs: 3 }\n');
    const best: TrialRecord = { number: 4, state: 'COMPLETE', value: 0.5, params: { 'model.filters': [8], 'training.optimizer.learning_rate': 0.003 }, intermediate: {} };
    const yaml = await bestConfigYaml(path.join(dir, 'base.yaml'), best, 'Best trial 4.', NO_PLUGINS.extensions);
    expect(yaml.startsWith('# Best trial 4.\n')).toBe(true);
    expect(yaml).not.toContain('extends');
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'xp-best-copy-'));
    writeFileSync(path.join(elsewhere, 'best_config.yaml'), yaml);
    const exp = await loadExperiment(path.join(elsewhere, 'best_config.yaml'), { extensions: NO_PLUGINS.extensions });
    expect(exp.config.model).toMatchObject({ filters: [8] });
    expect(exp.config.training.optimizer.learning_rate).toBe(0.003);
    expect(exp.config.training.epochs).toBe(3);
  });
});
