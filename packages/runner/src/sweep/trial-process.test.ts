// Warm trial processes for real (the compiled trial entry, TensorFlow loaded): how a worker hands over a trial.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepConfig } from './samplers/testing.js';
import { startWarmTrialProcess } from './trial-process.js';
import type { TrialSpec } from './trial-spec.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'xp-warm-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const repo = path.resolve(new URL('../../../..', import.meta.url).pathname);
const spec = (experimentFile: string): TrialSpec => ({
  sweepId: 'sweep', parentRunId: 'parent', experimentId: '0', trialNumber: 3, attempt: 'a1', experimentFile, experimentYaml: '',
  params: {}, overrides: [], trackingUri: 'http://127.0.0.1:9', sweep: sweepConfig(),
});

describe('startWarmTrialProcess', () => {
  it('gets ready, then declines an experiment with its own thread settings (its log moved to the trial\'s) and exits', async () => {
    const experiment = path.join(tmp, 'threads.yaml');
    writeFileSync(experiment, `extends: ${JSON.stringify(path.join(repo, 'experiments/mnist-seq/01-baseline.yaml'))}\ntraining:\n  threads: { intra_op: 1 }\n`);
    const warm = startWarmTrialProcess({ env: { TF_NUM_INTRAOP_THREADS: '1' }, logFile: path.join(tmp, 'warm-0.log') });
    expect(await warm.ready).toBe(true);
    const logFile = path.join(tmp, 'sweep', 'trial-3.log');
    expect(await warm.run(spec(experiment), logFile)).toBeUndefined();
    await warm.dispose();
    expect(readFileSync(logFile, 'utf8')).toMatch(/warm: TensorFlow and MNIST loaded in [\d.]+ s; waiting for a trial\nwarm: declined trial 3 \(its own training\.threads \(intra_op 1, inter_op 0\)\)/);
    await expect(warm.run(spec(experiment), logFile)).rejects.toThrow('a warm trial process runs one trial only');
  }, 60_000);

  it('ends unused on dispose, and then was never ready', async () => {
    const warm = startWarmTrialProcess({ logFile: path.join(tmp, 'warm-1.log') });
    await warm.dispose();
    expect(await warm.ready).toBe(false);
  }, 60_000);
});
