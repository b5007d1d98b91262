// Interrupted and crashed runs, through the real CLI against a real MLflow server: Ctrl-C / SIGTERM end the
// run KILLED with a checkpoint and the metrics so far; a NaN loss or an exception ends it FAILED with the reason
// and the stack trace. Tiny models, so each run costs seconds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, poll, rest, runIdFromUrl, startXp, xp } from './helpers.js';

interface Run {
  info: { run_id: string; status: string };
  data: { tags?: { key: string; value: string }[]; metrics?: { key: string; value: number; step: number }[] };
}

// A tiny model on enough sequences and epochs to train for minutes if nobody stopped it.
const LONG_RUN = ['training.epochs=200', 'data.train.count=1024', 'data.val.count=64', 'data.test.count=64', 'model.filters=[8]', 'model.dense_units=16'];
// Plain SGD at 1e12 overflows to a non-finite loss within the first few batches, every time (seeded).
const DIVERGING_RUN = [
  'training.epochs=3',
  'data.train.count=512',
  'data.val.count=32',
  'data.test.count=32',
  'model.filters=[8]',
  'model.dense_units=16',
  'training.optimizer={type: sgd, learning_rate: 1e12}',
  'callbacks=[{type: terminate_on_nan}]',
];
const sets = (s: string[]) => s.flatMap((x) => ['--set', x]);
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

const tagsOf = (r: Run) => Object.fromEntries((r.data.tags ?? []).map((t) => [t.key, t.value]));

describe('interrupted and crashed runs', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let stateDir: string;
  const env = () => ({ MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: stateDir });
  const getRun = async (id: string) => (await rest<{ run: Run }>(server.url, `/api/2.0/mlflow/runs/get?run_id=${id}`)).run;
  const history = async (id: string, key: string) =>
    (await rest<{ metrics?: { step: number; value: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${id}&metric_key=${key}`)).metrics ?? [];
  const artifacts = async (id: string, dir: string) =>
    ((await rest<{ files?: { path: string }[] }>(server.url, `/api/2.0/mlflow/artifacts/list?run_id=${id}&path=${dir}`)).files ?? []).map((f) => f.path);

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-interrupt-'));
    stateDir = path.join(tmp, 'state');
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // Starts a long run, waits until MLflow has its first epoch, sends `signal` and returns what happened.
  async function interrupt(signal: NodeJS.Signals) {
    const proc = startXp(['run', 'test/fixtures/tiny.yaml', ...sets(LONG_RUN)], env());
    const runId = await poll('the run URL', async () => (/MLflow run: (\S+)/.exec(proc.stderr()) ? runIdFromUrl(proc.stderr()) : undefined));
    await poll('epoch 0 in the metric history', async () => ((await history(runId, 'loss')).some((m) => m.step === 0) ? true : undefined));
    const sentAt = performance.now();
    proc.child.kill(signal);
    const res = await proc.done;
    return { res, runId, secondsToExit: (res.exitedAt - sentAt) / 1000 };
  }

  it('SIGINT stops at a batch boundary: exit 130 within 10 s, run KILLED with tags, metrics so far and a checkpoint', async () => {
    const { res, runId, secondsToExit } = await interrupt('SIGINT');
    expect(secondsToExit).toBeLessThan(10);
    expect(res.signal).toBeNull();
    expect(res.code).toBe(130);
    expect(res.stderr).toMatch(/SIGINT: stopping after the current batch/);
    expect(res.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^xp: interrupted by SIGINT in epoch \\d+; the MLflow run ended KILLED with a checkpoint under checkpoints/ \\(continue it with \`npx xp run --resume ${runId}\`\\): \\S+${runId}\\?workflowType=machine_learning$`),
    );
    expect(res.stderr).not.toMatch(STACK_LINE);
    expect(res.stdout).toBe('');

    const run = await getRun(runId);
    expect(run.info.status).toBe('KILLED');
    const tags = tagsOf(run);
    expect(tags['xp.killed_by']).toBe('SIGINT');
    const epoch = Number(tags['xp.killed_at_epoch']);
    expect(Number.isInteger(epoch) && epoch >= 0).toBe(true);

    // Every completed epoch is in MLflow, once; the interrupted part-epoch is not an epoch (a resume trains it).
    const completed = Number(tags['xp.epochs_completed']);
    expect([epoch, epoch + 1]).toContain(completed);
    const loss = await history(runId, 'loss');
    expect(loss.map((m) => m.step).sort((a, b) => a - b)).toEqual(Array.from({ length: completed }, (_, i) => i));
    expect((await history(runId, 'val_loss')).length).toBe(completed);
    // The resume point of the last completed epoch, for `xp run --resume` on any machine.
    expect((await artifacts(runId, 'resume')).sort()).toEqual(
      ['callbacks.bin', 'model.json', 'optimizer.bin', 'state.json', 'weights.bin'].map((f) => `resume/${f}`),
    );
    expect(JSON.parse((await artifact(server.url, runId, 'resume/state.json')).toString()).completedEpochs).toBe(completed);
    // It stopped: no test evaluation, no final model.
    expect((run.data.metrics ?? []).map((m) => m.key)).not.toContain('test_exact_match');

    expect((await artifacts(runId, 'checkpoints')).sort()).toEqual(['checkpoints/epoch.txt', 'checkpoints/model.json', 'checkpoints/weights.bin']);
    expect((await artifact(server.url, runId, 'checkpoints/epoch.txt')).toString()).toBe(String(epoch));
    const modelJson = JSON.parse((await artifact(server.url, runId, 'checkpoints/model.json')).toString());
    const weights = await artifact(server.url, runId, 'checkpoints/weights.bin');
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(weights.length).toBeGreaterThan(0);
    // ...and the same checkpoint in the run's local folder.
    expect(fs.readFileSync(path.join(stateDir, 'runs', runId, 'checkpoint', 'weights.bin')).equals(weights)).toBe(true);
  });

  it('SIGTERM does the same and exits 143', async () => {
    const { res, runId, secondsToExit } = await interrupt('SIGTERM');
    expect(secondsToExit).toBeLessThan(10);
    expect(res.code).toBe(143);
    const run = await getRun(runId);
    expect(run.info.status).toBe('KILLED');
    expect(tagsOf(run)).toMatchObject({ 'xp.killed_by': 'SIGTERM', 'xp.killed_at_epoch': expect.stringMatching(/^\d+$/) });
    expect(await artifacts(runId, 'checkpoints')).toContain('checkpoints/model.json');
  });

  it('xp run --resume continues the KILLED run in place: steps continue once each, optimizer/LR state restored, same result as an uninterrupted run', async () => {
    // Seeded data, init and dropout masks (by run seed and step, so the resumed epochs draw the masks the
    // uninterrupted run drew): an uninterrupted run with the same seed is the reference.
    const RESUMABLE = sets([
      'training.epochs=6', 'data.train.count=1024', 'data.val.count=64', 'data.test.count=128', 'model.filters=[8]', 'model.dense_units=16', 'model.dropout=0.5',
      'callbacks=[{type: reduce_lr_on_plateau, monitor: loss, patience: 1, factor: 0.5, min_delta: 0.5}, {type: csv_logger}]',
    ]);
    const whole = await xp(['run', 'test/fixtures/tiny.yaml', ...RESUMABLE], env());
    expect(whole.code, whole.stderr).toBe(0);
    const wholeId = runIdFromUrl(whole.stdout);

    const proc = startXp(['run', 'test/fixtures/tiny.yaml', ...RESUMABLE], env());
    const runId = await poll('the run URL', async () => (/MLflow run: (\S+)/.exec(proc.stderr()) ? runIdFromUrl(proc.stderr()) : undefined));
    // The epoch lines on stderr, not MLflow's history: the journal sends metrics in the background, and on a busy
    // machine the history lagged until all six epochs had run before the signal was sent.
    await poll('the end of epoch 2 on stderr', async () => (/^epoch 2\/6 /m.test(proc.stderr()) ? true : undefined));
    proc.child.kill('SIGINT');
    expect((await proc.done).code).toBe(130);
    const completed = Number(tagsOf(await getRun(runId))['xp.epochs_completed']);
    expect(completed).toBeGreaterThanOrEqual(2);
    expect(completed).toBeLessThan(6);

    const resumed = await xp(['run', '--resume', runId], env());
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim()).toMatch(new RegExp(`/runs/${runId}\\?workflowType=machine_learning$`));
    expect(resumed.stderr).toContain(`resuming at epoch ${completed + 1} of 6`);

    const run = await getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(tagsOf(run)['xp.resumed_from_epoch']).toBe(String(completed));
    // Steps continue where the interrupted run stopped, each epoch exactly once.
    const loss = await history(runId, 'loss');
    expect(loss.map((m) => m.step).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    // The plateau callback's state and the learning rate came back: the same schedule as the uninterrupted run.
    const lr = async (id: string) => (await history(id, 'lr')).sort((a, b) => a.step - b.step).map((m) => m.value);
    expect(await lr(runId)).toEqual(await lr(wholeId));
    // Same weights, Adam moments, batches and dropout masks, so the same training. (Masks drawn afresh after the
    // resume moved the epoch losses by 0.16–0.75 %; with the masks of the same steps they were bit-identical.)
    const byStep = async (id: string, key: string) => (await history(id, key)).sort((a, b) => a.step - b.step).map((m) => m.value);
    const [a, b] = [await byStep(wholeId, 'loss'), await byStep(runId, 'loss')];
    for (let i = 0; i < 6; i++) expect(Math.abs(a[i] - b[i]) / a[i]).toBeLessThan(1e-5);
    const test = async (id: string) => (await history(id, 'test_exact_match'))[0].value;
    expect(Math.abs((await test(runId)) - (await test(wholeId)))).toBeLessThanOrEqual(0.02);
    // The local CSV log was restored too: one row per epoch.
    const csv = fs.readFileSync(path.join(stateDir, 'runs', runId, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a NaN loss with terminate_on_nan ends the run FAILED with the reason and the stack trace; exit 1, one line', async () => {
    const res = await xp(['run', 'test/fixtures/tiny.yaml', ...sets(DIVERGING_RUN)], env());
    expect(res.code).toBe(1);
    const last = res.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^xp: error: training diverged: terminate_on_nan: loss is (NaN|-?Infinity) at batch \d+ of epoch 1; lower training\.optimizer\.learning_rate \(now 1000000000000\) or check the inputs for NaN$/);
    expect(res.stderr).not.toMatch(STACK_LINE);
    expect(res.stdout).toBe('');

    const runId = runIdFromUrl(res.stderr);
    const run = await getRun(runId);
    expect(run.info.status).toBe('FAILED');
    expect(tagsOf(run)['xp.error']).toBe(last!.replace(/^xp: error: /, ''));
    const trace = (await artifact(server.url, runId, 'error/stacktrace.txt')).toString();
    expect(trace).toMatch(/^TrainingDivergedError: training diverged/);
    expect(trace).toMatch(STACK_LINE);
    // What the epoch measured before the stop is kept (the non-finite loss itself cannot be logged).
    expect((await history(runId, 'exact_match')).map((m) => m.step)).toEqual([0]);
  });

  it('an exception during the run ends it FAILED with xp.error and the stack trace; the stack is printed only with --debug', async () => {
    // A state folder whose runs/ is a file: creating the run's folder fails right after the run exists.
    const notADir = path.join(tmp, 'bad-state');
    fs.mkdirSync(notADir);
    fs.writeFileSync(path.join(notADir, 'runs'), '');
    const crash = ['training.epochs=1', 'data.train.count=64', 'data.val.count=0', 'data.test.count=16', 'model.filters=[4]', 'model.dense_units=8'];
    for (const debug of [false, true]) {
      const res = await xp([...(debug ? ['--debug'] : []), 'run', 'test/fixtures/tiny.yaml', ...sets(crash)], { ...env(), XP_STATE_DIR: notADir });
      expect(res.code).toBe(1);
      const runId = runIdFromUrl(res.stderr);
      if (debug) {
        expect(res.stderr).toMatch(STACK_LINE);
      } else {
        expect(res.stderr.trim().split('\n').at(-1)).toMatch(/^xp: error: ENOTDIR: not a directory, mkdir '.*' \(run with --debug for the stack trace\)$/);
        expect(res.stderr).not.toMatch(STACK_LINE);
      }
      const run = await getRun(runId);
      expect(run.info.status).toBe('FAILED');
      expect(tagsOf(run)['xp.error']).toMatch(/^ENOTDIR: not a directory/);
      expect((await artifact(server.url, runId, 'error/stacktrace.txt')).toString()).toMatch(STACK_LINE);
    }
  });
});
