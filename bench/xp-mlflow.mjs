// MLflow logging overhead: the same training epochs with no tracking, with the runner's MlflowLogger (per-epoch
// metrics, as `xp run` logs them), and with the logger plus the two history plots rendered and uploaded every
// epoch (an upper bound: `xp run` uploads its plots once, after training; that one-off cost is reported too).
// Against a real MLflow server started with the runner's startServer (sqlite store, proxied artifacts).
/* global performance, process */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CallbackList } from '../packages/runner/dist/callbacks/callback-list.js';
import { MlflowClient, startServer } from '../packages/runner/dist/mlflow/index.js';
import { renderLearningCurves } from '../packages/runner/dist/reports/plots/learning-curves.js';
import { renderLrSchedule } from '../packages/runner/dist/reports/plots/lr-schedule.js';
import { Interruption } from '../packages/runner/dist/run/interruption.js';
import { MlflowLogger } from '../packages/runner/dist/tracking/mlflow-logger.js';
import { Journal } from '../packages/runner/dist/tracking/spool/journal.js';
import { RunTracker } from '../packages/runner/dist/tracking/spool/run-tracker.js';
import { train } from '../packages/runner/dist/training/trainer.js';
import { createOptimizer } from '../packages/runner/dist/training/optimizer.js';
import { emit, epochClock, intArg, median, round, threadInfo } from './lib.mjs';
import { BENCH_BATCH, buildSpec } from './spec.mjs';
import { benchModel } from './xp-model.mjs';

const MODES = ['none', 'metrics', 'metrics+plots'];

/** Renders the learning-curve and LR plots of the history so far and uploads them, like the run's reports. */
async function uploadHistoryPlots(client, runId, history, dir) {
  for (const [file, render] of [['learning_curves.png', renderLearningCurves], ['lr_schedule.png', renderLrSchedule]]) {
    const local = path.join(dir, file);
    await fs.writeFile(local, (await render(history)).png);
    await client.logArtifact(runId, local, 'plots');
  }
}

/** Times every call of `client[method]` into `into`. */
function timeCalls(client, method, into) {
  const original = client[method].bind(client);
  client[method] = async (...a) => {
    const t = performance.now();
    try {
      return await original(...a);
    } finally {
      into.push(performance.now() - t);
    }
  };
}

export async function mlflowOverhead(args, { syntheticSource }) {
  const spec = await buildSpec();
  const batchSize = BENCH_BATCH;
  const epochBatches = intArg(args, 'epoch-batches', 20);
  const epochs = intArg(args, 'epochs', 3);
  const rounds = intArg(args, 'rounds', 2);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'xp-bench-mlflow-'));
  const t0 = performance.now();
  let server;
  try {
    server = await startServer({ backendStoreUri: `sqlite:///${path.join(tmp, 'mlflow.db')}`, artifactsDir: path.join(tmp, 'artifacts') });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw new Error(`no MLflow server could be started: ${e.message.split('\n')[0]}`, { cause: e });
  }
  const serverStartS = (performance.now() - t0) / 1000;
  const { model, task } = await benchModel('final');
  const source = syntheticSource(spec, batchSize, epochBatches);
  const optimizer = createOptimizer(spec.optimizer);
  const latency = { logBatch: [], logArtifact: [] };
  const perMode = Object.fromEntries(MODES.map((k) => [k, { epochs: [], flush_ms: [], roundMedians: [] }]));
  try {
    const retries = [];
    const client = new MlflowClient({ trackingUri: server.url, onRetry: (i) => { retries.push(i); process.stderr.write(`MLflow retry: ${JSON.stringify(i)}\n`); } });
    timeCalls(client, 'logBatch', latency.logBatch);
    timeCalls(client, 'logArtifact', latency.logArtifact);
    const experimentId = await client.getOrCreateExperiment('xp-bench');
    const interruption = new Interruption({ log: () => {} });
    const fit = (callbacks, n) =>
      train({ model, optimizer, task, data: source, epochs: n, batchSize, evalBatchSize: 512, validate: false, callbacks: new CallbackList(callbacks) });
    await fit([], 1); // warm-up: kernels, allocator, Adam's slots
    const tensorsBefore = tf.memory().numTensors;
    const runs = [];
    // Modes interleaved round by round, so drift from the other load on the machine hits them alike.
    for (let r = 0; r < rounds; r++) {
      for (const mode of MODES) {
        let tracker;
        const clock = epochClock();
        // `xp run` always trains with its Interruption callback, which gives the event loop a turn after each
        // batch (signals, and the tracker's requests in the background); every mode has it, tracked or not.
        const cbs = [clock, interruption];
        if (mode !== 'none') {
          const run = await client.createRun({ experimentId, runName: `overhead-${mode}-${r}` });
          const runId = run.info.runId;
          runs.push(runId);
          // As `xp run` logs: through the run's journal, sent in the background.
          tracker = new RunTracker(Journal.create(path.join(tmp, 'spool'), `${mode}-${r}`, server.url, { runId, experimentId }), { client });
          const t = tracker;
          if (mode === 'metrics+plots') {
            const history = [];
            const viaTracker = { logArtifact: async (_id, local, p) => t.logArtifact(local, p) };
            cbs.push({ name: 'bench_plots', onEpochEnd: async (_e, logs) => { history.push(logs); await uploadHistoryPlots(viaTracker, runId, [...history], tmp); } });
          }
          cbs.push(new MlflowLogger(t));
        }
        const res = await fit(cbs, epochs);
        if (tracker) await tracker.close(60_000);
        tracker = undefined;
        const epochTimes = clock.epochs();
        perMode[mode].epochs.push(...epochTimes);
        perMode[mode].roundMedians.push(median(epochTimes));
        perMode[mode].flush_ms.push(performance.now() - clock.end);
        if (mode === 'metrics') perMode.history = res.history;
      }
    }
    // What `xp run` itself does once, after training: the history plots, rendered and uploaded.
    const tPlots = performance.now();
    await uploadHistoryPlots(client, runs[0], perMode.history, tmp);
    const runEndPlotsMs = performance.now() - tPlots;
    for (const id of runs) await client.setTerminated(id, 'FINISHED');
    interruption.dispose();
    // Overhead per round against the untracked epochs of the same round, then the median over rounds: load
    // that drifts over minutes cancels within a round.
    const modes = Object.fromEntries(
      MODES.map((k) => {
        const perRound = perMode[k].roundMedians.map((med, r) => (100 * (med - perMode.none.roundMedians[r])) / perMode.none.roundMedians[r]);
        return [k, {
          epoch_s: round(median(perMode[k].epochs), 3), overhead_pct: round(median(perRound), 1), overhead_pct_rounds: perRound.map((x) => round(x, 1)),
          samples: perMode[k].epochs.length, flush_ms: round(median(perMode[k].flush_ms)),
        }];
      }),
    );
    emit({
      kind: 'mlflow', runner: 'xp', model: 'final', batch: batchSize, epoch_sequences: epochBatches * batchSize, server_start_s: round(serverStartS, 1),
      modes, request_ms: { logBatch: round(median(latency.logBatch)), logArtifact: round(median(latency.logArtifact)) },
      run_end_plots_ms: round(runEndPlotsMs), retries: retries.length, tensors: { before: tensorsBefore, after: tf.memory().numTensors }, threads: threadInfo(),
    });
  } finally {
    optimizer.dispose();
    source.dispose();
    model.dispose();
    await server.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

