// End to end against a real `mlflow server` (the setup venv's): two runs in one experiment, one in another
// addressed by run id, then `xp compare` over both kinds of target.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type ServerHandle } from '../mlflow/local-server.js';
import { MlflowClient } from '../mlflow/tracking-client.js';
import { compareCommand } from './compare-command.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'xp-compare-it-'));
let server: ServerHandle;
let client: MlflowClient;

beforeAll(async () => {
  server = await startServer({ backendStoreUri: `sqlite:///${path.join(tmp, 'mlflow.db')}`, artifactsDir: path.join(tmp, 'artifacts'), startTimeoutMs: 120_000 });
  client = new MlflowClient({ trackingUri: server.url });
}, 150_000);
afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A finished run with per-epoch metrics (step = epoch, as MlflowLogger logs them). */
async function seedRun(experimentId: string, name: string, start: number, params: Record<string, string>, valEm: number[], testEm: number) {
  const run = await client.createRun({ experimentId, runName: name, startTime: start });
  const id = run.info.runId;
  await client.logBatch(id, {
    params: { name, seed: '42', 'data.test.count': '1000', ...params },
    metrics: [
      ...valEm.flatMap((v, step) => [
        { key: 'loss', value: 1 / (step + 1), step, timestamp: start + step },
        { key: 'val_exact_match', value: v, step, timestamp: start + step },
        { key: 'val_loss', value: 1 - v, step, timestamp: start + step },
      ]),
      { key: 'test_exact_match', value: testEm, step: valEm.length, timestamp: start + 99 },
    ],
  });
  await client.setTerminated(id, 'FINISHED', start + 125_000);
  return id;
}

describe('compareCommand', () => {
  it('compares an experiment and a run id: stdout table, compare.md, compare.html and the MLflow link', async () => {
    const exp = await client.getOrCreateExperiment('digits-compare');
    const other = await client.getOrCreateExperiment('digits-other');
    const t0 = 1_700_000_000_000;
    const b = await seedRun(exp, 'crnn', t0 + 1000, { 'model.type': 'crnn', 'training.optimizer.lr': '0.01' }, [0.4, 0.8, 0.75], 0.79);
    const a = await seedRun(exp, 'baseline', t0, { 'model.type': 'baseline-cnn', 'training.optimizer.lr': '0.001' }, [0.3, 0.6], 0.58);
    const c = await seedRun(other, 'wide', t0 + 2000, { 'model.type': 'baseline-cnn', 'training.optimizer.lr': '0.001', 'model.filters': '[64]' }, [0.5], 0.5);

    const out = path.join(tmp, 'out');
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (chunks.push(String(s)), true));
    let r;
    try {
      r = await compareCommand(['digits-compare', c], { out, trackingUri: server.url });
    } finally {
      spy.mockRestore();
    }
    const stdout = chunks.join('');
    expect(r.runIds).toEqual([a, b, c]); // by start time

    const lines = stdout.split('\n');
    // Runs logged before the headline tags are judged by val_exact_match; the results come first.
    expect(lines[0]).toMatch(/^run\s+best val_exact_match\s+test exact_match\s+epochs\s+wall time\s+model\.filters\s+model\.type\s+training\.optimizer\.lr\s+status$/);
    expect(lines[2]).toMatch(/^baseline\s+60\.00%\s+58\.00%\s+2\s+2m 05s\s+–\s+baseline-cnn\s+0\.001\s+FINISHED$/);
    expect(lines[3]).toMatch(/^crnn\s+80\.00%\s+79\.00%\s+3\s+2m 05s\s+–\s+crnn\s+0\.01\s+FINISHED$/);
    expect(lines[4]).toMatch(/^wide\s+50\.00%\s+50\.00%\s+1\s+2m 05s\s+\[64\]\s+baseline-cnn/);
    expect(lines[2].indexOf('FINISHED')).toBe(lines[3].indexOf('FINISHED')); // aligned
    const url = `${server.url}/#/compare-runs?runs=${JSON.stringify([a, b, c])}&experiments=${JSON.stringify([exp, other].sort())}&workflowType=machine_learning`;
    expect(stdout).toContain(`MLflow UI: ${url}\n`);
    expect(stdout).toContain(`wrote ${path.join(out, 'compare.md')}`);

    const md = readFileSync(path.join(out, 'compare.md'), 'utf8');
    expect(md).toContain('| run | best val_exact_match | test exact_match | epochs | wall time | model.filters | model.type | training.optimizer.lr | status |');
    expect(md).toContain('| crnn | 80.00% | 79.00% | 3 | 2m 05s | – | crnn | 0.01 | FINISHED |');
    expect(md).toContain('Experiments: `digits-compare`, `digits-other`');
    expect(md).toContain(`(${url})`);

    const html = readFileSync(path.join(out, 'compare.html'), 'utf8');
    expect(html).toContain(`<td title="${b}">crnn</td><td class="num">80.00%</td><td class="num">79.00%</td><td class="num">3</td><td class="num">2m 05s</td><td>–</td><td title="crnn">crnn</td>`);
    expect(html.match(/<svg/g)).toHaveLength(1);
    expect(html).toContain('val_exact_match');
    expect(html).not.toMatch(/<script|src="http/);
  }, 120_000);

  it('judges runs of different tasks by their own tagged headline: best by its mode, test value, per-cell metric names', async () => {
    const exp = await client.getOrCreateExperiment('two-tasks');
    const t0 = 1_700_000_100_000;
    const seed = async (name: string, start: number, headline: string, mode: string, val: number[], test: Record<string, number>) => {
      const tags = { 'xp.task': name, 'xp.headline_metric': headline, 'xp.headline_mode': mode };
      const id = (await client.createRun({ experimentId: exp, runName: name, startTime: start, tags })).info.runId;
      await client.logBatch(id, {
        params: { name, 'model.type': 'mlp', 'model.blocks': JSON.stringify(val.map(() => ({ type: 'dense', units: 64, activation: 'relu', dropout: 0.1 }))) },
        metrics: [
          ...val.flatMap((v, step) => [
            { key: 'loss', value: 1 / (step + 1), step, timestamp: start + step },
            { key: headline, value: v, step, timestamp: start + step },
            { key: 'val_loss', value: v, step, timestamp: start + step },
          ]),
          ...Object.entries(test).map(([key, value]) => ({ key, value, step: val.length, timestamp: start + 99 })),
        ],
      });
      await client.setTerminated(id, 'FINISHED', start + 30_000);
    };
    await seed('classification', t0, 'val_accuracy', 'max', [0.6, 0.9, 0.85], { test_accuracy: 0.875, test_loss: 0.3 });
    await seed('regression', t0 + 1000, 'val_rmse', 'min', [0.9, 0.42, 0.5, 0.61], { test_rmse: 0.4444 });

    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (chunks.push(String(s)), true));
    try {
      await compareCommand(['two-tasks'], { out: path.join(tmp, 'two'), trackingUri: server.url });
    } finally {
      spy.mockRestore();
    }
    const lines = chunks.join('').split('\n');
    expect(lines[0]).toMatch(/^run\s+best headline\s+test headline\s+epochs\s+wall time\s+model\.blocks\s+status$/);
    expect(lines[2]).toMatch(/^classification\s+val_accuracy=90\.00%\s+test_accuracy=87\.50%\s+3\s+30s\s+\[3 blocks: dense, dense, dense\]\s+FINISHED$/);
    expect(lines[3]).toMatch(/^regression\s+val_rmse=0\.42\s+test_rmse=0\.4444\s+4\s+30s\s+\[4 blocks: dense, dense, …\]\s+FINISHED$/);
    const html = readFileSync(path.join(tmp, 'two', 'compare.html'), 'utf8');
    for (const panel of ['val_accuracy', 'val_rmse', 'val_loss']) expect(html).toContain(panel);
  }, 60_000);

  it('names the target that matches nothing', async () => {
    await expect(compareCommand(['no-such-experiment'], { out: path.join(tmp, 'x'), trackingUri: server.url })).rejects.toMatchObject({
      code: 'XP_COMPARE_NOT_FOUND',
      message: expect.stringMatching(/no MLflow experiment named 'no-such-experiment'/),
    });
    await expect(compareCommand(['0'.repeat(32)], { out: path.join(tmp, 'x'), trackingUri: server.url })).rejects.toMatchObject({ code: 'XP_COMPARE_NOT_FOUND' });
  });
});
