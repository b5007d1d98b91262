// `xp run`: config → model + data → MLflow run → training → evaluation → artifacts.
// Everything that can be wrong with the input is checked before the MLflow run exists, so a bad file
// never leaves a run behind; once the run exists, any failure ends it FAILED/KILLED with the reason, and
// SIGINT/SIGTERM stop training at a batch boundary (see interruption.ts) rather than killing the process.
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { flattenConfig, type LoadedExperiment } from '@xp/core';
import { createDataBundle, loadMnist, NUM_CLASSES, type DataBundle, type DigitTensors, type MnistDigits } from '@xp/data';
import { buildModel, modelSummary } from '@xp/models';
import { CallbackList } from '../callbacks/callback-list.js';
import type { Callback } from '../callbacks/callback.js';
import { callbacks as callbackRegistry, type CallbackDeps } from '../callbacks/registry.js';
import { TerminateOnNaN } from '../callbacks/terminate-on-nan.js';
import { MLFLOW_LIMITS, MlflowClient } from '../mlflow/index.js';
import { backendBanner, BackendError, loadBackend, type BackendName } from '../backend/native-backend.js';
import { MlflowLogger } from '../tracking/mlflow-logger.js';
import { createProgress } from '../tracking/progress.js';
import { evaluate } from '../training/evaluate.js';
import { train } from '../training/trainer.js';
import { createOptimizer } from '../training/optimizer.js';
import { logRunReports, testReport } from '../reports/index.js';
import { RunInterruptedError, TrainingDivergedError } from './errors.js';
import { Interruption } from './interruption.js';
import { saveModel } from './model-artifact.js';
import { runTags } from './run-tags.js';
import { stateDir } from './state-dir.js';
import { processStartedAt, timingTags, type TimingMarks } from './timing.js';
import { trackingTarget } from './tracking-target.js';

export interface RunOptions {
  backend?: BackendName;
  log?: (msg: string) => void;
  /** Extra run tags, e.g. `mlflow.parentRunId` for a sweep trial. */
  tags?: Record<string, string>;
  /** Extra callbacks after the configured ones (e.g. a sweep's trial reporter/pruner). */
  callbacks?: Callback[];
  /** Start-up marks the caller knows (a sweep trial's enqueued/picked/main_started), logged with the run's own. */
  timing?: TimingMarks;
  /**
   * The caller's own start-up work, awaited just before the MLflow run is created, so that it overlaps
   * loading TensorFlow and the data. Its error fails the run's start like any error before the run exists.
   */
  beforeRun?: Promise<unknown>;
  /** The MLflow experiment's id when the caller knows it (a sweep trial: its parent's), saving a lookup. */
  experimentId?: string;
  /** MNIST from the experiment's `data.source`, already being read and maybe made tensors (a warm trial process's). */
  mnist?: Promise<PreparedMnist>;
}

/** MNIST loaded ahead of a run, with its digit tensors if they were made too (the run takes them over). */
export interface PreparedMnist {
  mnist: MnistDigits;
  digits?: DigitTensors;
}

export interface RunOutcome {
  runId: string;
  experimentId: string;
  url: string;
  status: 'FINISHED' | 'FAILED' | 'KILLED';
  test: Record<string, number>;
  history: Record<string, number>[];
}

/**
 * Runs one loaded experiment end to end and returns where it was logged.
 *
 * @throws ModelConfigError (a config error) when the model cannot take the data's shape, before any run exists.
 * @throws RunInterruptedError after SIGINT/SIGTERM, once the run has ended KILLED with a checkpoint.
 * @throws TrainingDivergedError when terminate_on_nan stopped training, once the run has ended FAILED.
 * Any other error after the run exists is rethrown once the run has ended FAILED with `xp.error` and
 * `error/stacktrace.txt`.
 */
export async function runExperiment(exp: LoadedExperiment, opts: RunOptions = {}): Promise<RunOutcome> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const c = exp.config;
  const backend = opts.backend ?? c.backend;
  // Work started early is awaited later; these keep an error before then from leaving it unhandled.
  opts.beforeRun?.catch(() => undefined);
  // MNIST's files are read while TensorFlow loads (the read is I/O, the load mostly not).
  const mnist = opts.mnist ?? loadMnist(c.data.source).then((m): PreparedMnist => ({ mnist: m }));
  mnist.catch(() => undefined);
  const marks: TimingMarks = { process_started: processStartedAt(), ...opts.timing, backend_load_started: Date.now() };
  const info = await loadBackend(backend, c.training.threads);
  marks.backend_ready = Date.now();
  if (info.name !== 'tensorflow' && backend === 'tensorflow') {
    throw new BackendError(`training needs the native TensorFlow backend but '${info.name}' is active; run \`npx xp doctor\`.`);
  }
  log(backendBanner(info));
  // git (commit, dirty tree) runs while the model and the data are made.
  const tags = runTags(exp, info.name);
  tags.catch(() => undefined);

  // The model before the data: a model the canvas cannot take fails in milliseconds (a config error naming
  // the option), not after the sequences have been synthesised.
  const shape = { height: c.data.canvas.height, width: c.data.canvas.width, maxLen: c.data.max_len, numClasses: NUM_CLASSES, seed: c.seed };
  const model = buildModel(c.model, shape);
  let data: DataBundle | undefined;
  try {
    const summary = modelSummary(model);
    log(`model ${c.model.type}: ${summary.params.toLocaleString('en-US')} parameters`);
    const target = await trackingTarget(log);
    const client = new MlflowClient({ trackingUri: target.url });
    // The experiment is looked up (or created) on the server while the data is synthesised.
    const experiment = opts.experimentId ? Promise.resolve(opts.experimentId) : client.getOrCreateExperiment(c.experiment);
    experiment.catch(() => undefined);
    data = await createDataBundle(c.data, c.augment, c.seed, { variants: c.evaluation.variants, ...(await mnist) });
    const experimentId = await experiment;
    await opts.beforeRun;
    // Until here a signal ends the process the default way, which is right: there is no run to end yet.
    const interruption = new Interruption({ log });
    try {
      const run = await client.createRun({ experimentId, runName: c.name, tags: { ...(await tags), ...timingTags(marks), ...opts.tags } });
      marks.run_created = Date.now();
      return await trackedRun({ exp, opts, log, model, data, summary: summary.text, client, experimentId, runId: run.info.runId, interruption, marks });
    } finally {
      interruption.dispose();
    }
  } finally {
    data?.dispose();
    model.dispose();
  }
}

interface TrackedRun {
  exp: LoadedExperiment;
  opts: RunOptions;
  log: (msg: string) => void;
  model: tf.LayersModel;
  data: DataBundle;
  summary: string;
  client: MlflowClient;
  experimentId: string;
  runId: string;
  interruption: Interruption;
  /** Start-up marks so far; run_created is sent with training_started when training begins. */
  marks: TimingMarks;
}

// Everything after the MLflow run exists. However this ends, the run ends with it: FINISHED, FAILED with
// `xp.error` and the stack trace, or KILLED with a checkpoint; metrics already queued are sent first.
async function trackedRun(r: TrackedRun): Promise<RunOutcome> {
  const { exp, opts, log, model, data, client, experimentId, runId, interruption } = r;
  const c = exp.config;
  const url = client.runUrl(experimentId, runId);
  log(`MLflow run: ${url}`);
  const runDir = path.join(stateDir(), 'runs', runId);
  const checkpointDir = path.join(runDir, 'checkpoint');
  const mlflowLogger = new MlflowLogger(client, runId, log);
  const saveCheckpoint = async (epoch: number) => {
    await saveModel(model, checkpointDir);
    // Written before the upload is queued, so the upload always includes it.
    await fs.writeFile(path.join(checkpointDir, 'epoch.txt'), String(epoch));
    mlflowLogger.enqueue(() => client.logArtifactDir(runId, checkpointDir, 'checkpoints'));
  };
  const killedTags = (): Record<string, string> => ({
    'xp.killed_by': interruption.signal ?? 'unknown',
    ...(interruption.epoch === undefined ? {} : { 'xp.killed_at_epoch': String(interruption.epoch) }),
  });
  // A forced exit (second signal, or a shutdown past the grace period) skips the checkpoint but not the status.
  interruption.onForce = () => client.setTags(runId, killedTags()).finally(() => client.setTerminated(runId, 'KILLED'));

  let optimizer: tf.Optimizer | undefined;
  try {
    await fs.mkdir(runDir, { recursive: true });
    // Independent requests, sent together: each is a round trip before training can start.
    await Promise.all([
      client.logBatch(runId, { params: Object.entries(flatParams(exp)).map(([key, value]) => ({ key, value })) }),
      client.logInputs(runId, [datasetInput(data.info)]),
      client.logText(runId, exp.resolvedYaml, 'config.resolved.yaml'),
      client.logText(runId, r.summary, 'model/summary.txt'),
    ]);

    const deps = { runDir, totalEpochs: c.training.epochs, log, saveCheckpoint };
    const configured = c.callbacks.map((cb) => (callbackRegistry[cb.type] as (o: typeof cb, d: CallbackDeps) => Callback)(cb, deps));
    // Last, so that its mark follows every other callback's start-up; queued like the metrics, so that the
    // first batch does not wait for MLflow.
    const timing: Callback = {
      name: 'timing',
      onTrainBegin: () => {
        const tags = timingTags({ run_created: r.marks.run_created, training_started: Date.now() });
        mlflowLogger.enqueue(() => client.setTags(runId, tags));
      },
    };
    // The interruption first, so it records the epoch before any callback can act on it.
    const cbs: Callback[] = [interruption, ...configured, ...(opts.callbacks ?? []), mlflowLogger, timing];
    optimizer = createOptimizer(c.training.optimizer);
    const result = await train({
      model,
      optimizer,
      data,
      epochs: c.training.epochs,
      batchSize: c.training.batch_size,
      evalBatchSize: c.training.eval_batch_size,
      validate: c.data.val.count > 0,
      labelSmoothing: c.training.label_smoothing,
      callbacks: new CallbackList(cbs),
      progress: createProgress(),
    });
    interruptedCheck(interruption);
    if (configured.some((cb) => cb instanceof TerminateOnNaN && cb.terminated)) {
      throw new TrainingDivergedError(
        `training diverged: ${result.stopReason ?? 'the loss is not finite'}; lower training.optimizer.learning_rate ` +
          `(now ${c.training.optimizer.learning_rate}) or check the inputs for NaN`,
      );
    }
    if (result.stopReason) await client.setTags(runId, { 'xp.stop_reason': result.stopReason });

    const testEval = await evaluate(model, data, 'test', c.training.eval_batch_size, { prefix: 'test_', keepPredictions: true });
    const testMetrics = { ...testEval.metrics };
    for (const v of c.evaluation.variants) {
      const name = v.name ?? v.type;
      const ev = await evaluate(model, data, name, c.training.eval_batch_size, { prefix: 'test_' });
      for (const [k, val] of Object.entries(ev.metrics)) testMetrics[`${k}/${name}`] = val;
      interruptedCheck(interruption);
    }
    interruptedCheck(interruption);
    const step = result.history.length;
    await client.logBatch(runId, {
      metrics: Object.entries(testMetrics).map(([key, value]) => ({ key, value, timestamp: Date.now(), step })),
    });
    log(`test: exact match ${(testMetrics.test_exact_match * 100).toFixed(2)} % on ${testEval.count} sequences`);
    await logRunReports(
      client,
      runId,
      { history: result.history, test: testEval, data, normalize: c.data.normalize, gridSize: c.evaluation.misclassified_grid },
      { warn: log },
    );
    await client.logText(runId, JSON.stringify({ ...testReport(testEval), metrics: testMetrics }, null, 2), 'metrics/test.json');
    if (c.mlflow.log_model) {
      const dir = path.join(runDir, 'model');
      await saveModel(model, dir);
      await client.logArtifactDir(runId, dir, 'model');
    }
    interruptedCheck(interruption);
    await client.setTerminated(runId, 'FINISHED');
    log(`run finished: ${url}`);
    return { runId, experimentId, url, status: 'FINISHED', test: testMetrics, history: result.history };
  } catch (e) {
    if (interruption.signal) {
      const signal = interruption.signal;
      const epoch = interruption.epoch;
      log(`${signal}: saving a checkpoint and ending the MLflow run as KILLED…`);
      await bestEffort(log, 'save the checkpoint', () => saveCheckpoint(epoch ?? 0));
      await mlflowLogger.flush();
      await bestEffort(log, 'tag the run', () => client.setTags(runId, killedTags()));
      await bestEffort(log, 'end the run', () => client.setTerminated(runId, 'KILLED'));
      const where = epoch === undefined ? 'before training began' : `in epoch ${epoch + 1}`;
      throw new RunInterruptedError(signal, `interrupted by ${signal} ${where}; the MLflow run ended KILLED with a checkpoint under checkpoints/: ${url}`);
    }
    const err = e instanceof Error ? e : new Error(String(e));
    await mlflowLogger.flush();
    await bestEffort(log, 'tag the run', () => client.setTags(runId, { 'xp.error': err.message.slice(0, MLFLOW_LIMITS.maxTagValueLength) }));
    await bestEffort(log, 'upload the stack trace', () => client.logText(runId, err.stack ?? String(err), 'error/stacktrace.txt'));
    await bestEffort(log, 'end the run', () => client.setTerminated(runId, 'FAILED'));
    log(`run ended FAILED: ${url} (stack trace: artifact error/stacktrace.txt)`);
    throw e;
  } finally {
    optimizer?.dispose();
  }
}

// Between phases after training: a signal that arrived meanwhile ends the run KILLED instead of running on.
function interruptedCheck(interruption: Interruption): void {
  if (interruption.signal) throw new RunInterruptedError(interruption.signal, `interrupted by ${interruption.signal}`);
}

// Ending a run must get as far as it can: one failed request (the server may be the reason we are here)
// must not keep the status from being set.
async function bestEffort(log: (msg: string) => void, what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    log(`warning: could not ${what}: ${(e as Error).message}`);
  }
}

/** Params = the flattened resolved config; the description is the run note, not a param. */
function flatParams(exp: LoadedExperiment): Record<string, string> {
  const { description: _d, ...rest } = exp.config;
  return flattenConfig(rest);
}

function datasetInput(info: { name: string; digest: string; source: string; profile: Record<string, unknown> }) {
  return {
    // MLflow caps digests at 36 characters.
    dataset: { name: info.name, digest: info.digest.slice(0, 36), sourceType: 'code', source: JSON.stringify({ synthesized_from: info.source }), profile: JSON.stringify(info.profile) },
    tags: [{ key: 'mlflow.data.context', value: 'training' }],
  };
}
