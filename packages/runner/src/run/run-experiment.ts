// `xp run`: config → model + data → MLflow run → training → evaluation → artifacts.
// Everything that can be wrong with the input is checked before the MLflow run exists, so a bad file
// never leaves a run behind; once the run exists, any failure ends it FAILED/KILLED with the reason, and
// SIGINT/SIGTERM stop training at a batch boundary (see interruption.ts) rather than killing the process.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { flattenConfig, redactedConfig, type LoadedExperiment } from '@xp/core';
import { createDataBundle, loadMnist, NUM_CLASSES, type DataBundle, type DigitTensors, type MnistDigits } from '@xp/data';
import { buildModel, modelSummary } from '@xp/models';
import { CallbackList } from '../callbacks/callback-list.js';
import type { Callback } from '../callbacks/callback.js';
import { createCallback, type PluginCallbacks } from '../callbacks/registry.js';
import { TerminateOnNaN } from '../callbacks/terminate-on-nan.js';
import { MLFLOW_LIMITS, MlflowClient, resolveTrackingUri } from '../mlflow/index.js';
import { Journal } from '../tracking/spool/journal.js';
import { RunTracker } from '../tracking/spool/run-tracker.js';
import { spoolRoot, syncSpools } from '../tracking/spool/sync.js';
import { setLearningRate } from '../training/learning-rate.js';
import { applyResumeState, readResumeState, ResumePoint, type ResumeState } from './resume-point.js';
import { backendBanner, BackendError, loadBackend, type BackendName } from '../backend/native-backend.js';
import { MlflowLogger } from '../tracking/mlflow-logger.js';
import { createProgress } from '../tracking/progress.js';
import { systemMetricsCallbacks } from '../tracking/system-metrics.js';
import { evaluate } from '../training/evaluate.js';
import { train } from '../training/trainer.js';
import { createOptimizer } from '../training/optimizer.js';
import { logRunReports, testReport } from '../reports/index.js';
import { MlflowUnreachableError, RunInterruptedError, TrainingDivergedError } from './errors.js';
import { Interruption } from './interruption.js';
import { saveModel } from './model-artifact.js';
import { runTags } from './run-tags.js';
import { processStartedAt, timingTags, type TimingMarks } from './timing.js';
import { stateDir } from './state-dir.js';
import { trackingTarget } from './tracking-target.js';

export interface RunOptions {
  backend?: BackendName;
  log?: (msg: string) => void;
  /** Extra run tags, e.g. `mlflow.parentRunId` for a sweep trial. */
  tags?: Record<string, string>;
  /** Extra callbacks after the configured ones (e.g. a sweep's trial reporter/pruner). */
  callbacks?: Callback[];
  /** Log nothing to a server: everything goes to the local spool, for `xp sync` later. */
  offline?: boolean;
  /** Continue an interrupted run in place (see resume-command.ts for how it is found). */
  resume?: { runId: string; experimentId: string; dir: string };
  /** Callback types added with `--plugin` (the experiment must have been loaded with their schemas). */
  pluginCallbacks?: PluginCallbacks;
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
    data = await createDataBundle(c.data, c.augment, c.seed, { variants: c.evaluation.variants, ...(await mnist) });
    await opts.beforeRun;
    const resumed = opts.resume ? await readResumeState(opts.resume.dir) : undefined;
    const target = opts.offline ? undefined : await trackingTarget(log);
    const client = target ? new MlflowClient({ trackingUri: target.url, ...runClientOptions() }) : undefined;
    // Where the run belongs, as spools record it: the server given by MLFLOW_TRACKING_URI (even offline), else
    // null for the embedded one.
    const spoolTarget = target ? (target.embedded ? null : target.url) : (resolveTrackingUri() ?? null);
    // Runs an earlier outage left unsent go first: they are older, and the server is evidently back.
    if (client) await syncBefore(client, spoolTarget, log);
    const journal = Journal.create(spoolRoot(stateDir()), newSpoolId(), spoolTarget, opts.resume);
    const tracker = new RunTracker(journal, { client, log });
    if (opts.resume && resumed) {
      tracker.updateRun('RUNNING');
      tracker.setTags({ 'xp.resumed_from_epoch': String(resumed.completedEpochs), 'xp.resumed_at': new Date().toISOString() });
    } else {
      tracker.createRun({ experiment: c.experiment, experimentId: opts.experimentId, runName: c.name, tags: { ...(await tags), ...timingTags(marks), ...opts.tags } });
    }
    if (client) {
      const connected = await tracker.flush(60_000, { untilOutage: true });
      if (!connected) {
        const why = tracker.createError?.message ?? tracker.lastOutage?.message ?? 'no answer within 60 s';
        await tracker.close(0, { quiet: true });
        journal.remove();
        if (tracker.createError) throw tracker.createError;
        throw new MlflowUnreachableError(client.trackingUri, why);
      }
    } else {
      log(`offline: nothing is sent; the run is kept in ${journal.dir} until \`npx xp sync\``);
    }
    marks.run_created = Date.now();
    // Until here a signal ends the process the default way, which is right: there is no run to end yet.
    const interruption = new Interruption({ log });
    try {
      return await trackedRun({ exp, opts, log, model, data, summary: summary.text, client, tracker, interruption, resumed, marks });
    } finally {
      interruption.dispose();
    }
  } finally {
    data?.dispose();
    model.dispose();
  }
}

// The background sender retries briefly itself (the spool is the long-term retry), so an outage is noticed
// in seconds rather than after MLflow's default five retries. The MLFLOW_HTTP_REQUEST_* variables still win.
function runClientOptions() {
  const env = process.env;
  return {
    maxRetries: env.MLFLOW_HTTP_REQUEST_MAX_RETRIES ? undefined : 2,
    backoffFactorMs: env.MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR ? undefined : 500,
    timeoutMs: env.MLFLOW_HTTP_REQUEST_TIMEOUT ? undefined : 30_000,
  };
}

async function syncBefore(client: MlflowClient, trackingUri: string | null, log: (msg: string) => void): Promise<void> {
  const report = await syncSpools({ stateDir: stateDir(), clientFor: async () => client, only: { trackingUri }, log, timeoutMs: 15_000 });
  if (report.synced.length) log(`MLflow: sent ${report.synced.length} spooled run(s) from an earlier outage or offline run`);
}

function newSpoolId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

interface TrackedRun {
  exp: LoadedExperiment;
  opts: RunOptions;
  log: (msg: string) => void;
  model: tf.LayersModel;
  data: DataBundle;
  summary: string;
  client: MlflowClient | undefined;
  tracker: RunTracker;
  interruption: Interruption;
  resumed: ResumeState | undefined;
  /** Start-up marks so far; run_created is sent with training_started when training begins. */
  marks: TimingMarks;
}

/** How long a finished run waits for MLflow to take its last records before leaving them to `xp sync`. */
const CLOSE_WAIT_MS = Number(process.env.XP_SPOOL_WAIT_S ?? 30) * 1000;

// Everything after the MLflow run exists. However this ends, the run ends with it: FINISHED, FAILED with
// `xp.error` and the stack trace, or KILLED with a checkpoint; metrics already queued are sent first.
async function trackedRun(r: TrackedRun): Promise<RunOutcome> {
  const { exp, opts, log, model, data, client, tracker, interruption, resumed } = r;
  const c = exp.config;
  const runId = tracker.runId ?? tracker.journal.header.spoolId;
  const experimentId = tracker.experimentId ?? '';
  const url = client ? client.runUrl(experimentId, runId) : tracker.journal.dir;
  log(client ? `MLflow run: ${url}` : `offline run ${runId}`);
  const runDir = path.join(stateDir(), 'runs', runId);
  const checkpointDir = path.join(runDir, 'checkpoint');
  const resumeDir = path.join(runDir, 'resume');
  const mlflowLogger = new MlflowLogger(tracker);
  const saveCheckpoint = async (epoch: number) => {
    await saveModel(model, checkpointDir);
    await fs.writeFile(path.join(checkpointDir, 'epoch.txt'), String(epoch));
    tracker.logArtifactDir(checkpointDir, 'checkpoints');
  };
  const completed = () => (resumed?.completedEpochs ?? 0) + (history?.length ?? 0);
  let history: Record<string, number>[] | undefined;
  const killedTags = (): Record<string, string> => ({
    'xp.killed_by': interruption.signal ?? 'unknown',
    ...(interruption.epoch === undefined ? {} : { 'xp.killed_at_epoch': String(interruption.epoch) }),
  });
  // A forced exit (second signal, or a shutdown past the grace period) skips the checkpoint but not the status:
  // the journal has it even if the server does not answer in time, and `xp sync` sends it.
  interruption.onForce = () => {
    tracker.setTags(killedTags());
    tracker.updateRun('KILLED');
    return tracker.flush(1000);
  };

  let optimizer: tf.Optimizer | undefined;
  try {
    await fs.mkdir(runDir, { recursive: true });
    if (!resumed) {
      tracker.logParams(flatParams(exp));
      tracker.logInputs([datasetInput(data.info)]);
      tracker.logText(exp.resolvedYaml, 'config.resolved.yaml');
      tracker.logText(r.summary, 'model/summary.txt');
    }

    const deps = { runDir, totalEpochs: c.training.epochs, log, saveCheckpoint };
    const configured = c.callbacks.map((cb) => createCallback(cb, deps, opts.pluginCallbacks));
    optimizer = createOptimizer(c.training.optimizer);
    const opt = optimizer;
    if (resumed) {
      await applyResumeState(resumed, model, opt, (lr) => setLearningRate(opt, lr));
      log(`resuming at epoch ${resumed.completedEpochs + 1} of ${c.training.epochs} (learning rate ${resumed.learningRate})`);
    }
    // Last but one, so that its mark follows every other callback's start-up; journaled like the metrics, so
    // the first batch does not wait for MLflow.
    const timing: Callback = {
      name: 'timing',
      onTrainBegin: () => tracker.setTags(timingTags({ run_created: r.marks.run_created, training_started: Date.now() })),
    };
    const resumePoint: ResumePoint = new ResumePoint(resumeDir, model, opt, (): CallbackList => callbackList, resumed?.history);
    // The interruption first, so it records the epoch before any callback can act on it; the resume point
    // last, so it saves every other callback's state after this epoch.
    const callbackList: CallbackList = new CallbackList([interruption, ...configured, ...(opts.callbacks ?? []), mlflowLogger, ...systemMetricsCallbacks(c.tracking.system_metrics, tracker), timing, resumePoint]);
    const result = await train({
      model,
      optimizer: opt,
      data,
      epochs: c.training.epochs,
      batchSize: c.training.batch_size,
      evalBatchSize: c.training.eval_batch_size,
      validate: c.data.val.count > 0,
      labelSmoothing: c.training.label_smoothing,
      callbacks: callbackList,
      progress: createProgress(),
      initialEpoch: resumed?.completedEpochs,
      callbackStates: resumed?.callbackStates,
    });
    history = [...(resumed?.history ?? []), ...result.history];
    interruptedCheck(interruption);
    if (configured.some((cb) => cb instanceof TerminateOnNaN && cb.terminated)) {
      throw new TrainingDivergedError(
        `training diverged: ${result.stopReason ?? 'the loss is not finite'}; lower training.optimizer.learning_rate ` +
          `(now ${c.training.optimizer.learning_rate}) or check the inputs for NaN`,
      );
    }
    if (result.stopReason) tracker.setTags({ 'xp.stop_reason': result.stopReason });

    const testEval = await evaluate(model, data, 'test', c.training.eval_batch_size, { prefix: 'test_', keepPredictions: true });
    const testMetrics = { ...testEval.metrics };
    for (const v of c.evaluation.variants) {
      const name = v.name ?? v.type;
      const ev = await evaluate(model, data, name, c.training.eval_batch_size, { prefix: 'test_' });
      for (const [k, val] of Object.entries(ev.metrics)) testMetrics[`${k}/${name}`] = val;
      interruptedCheck(interruption);
    }
    interruptedCheck(interruption);
    const step = history.length;
    tracker.logMetrics(Object.entries(testMetrics).map(([key, value]) => ({ key, value, step })));
    log(`test: exact match ${(testMetrics.test_exact_match * 100).toFixed(2)} % on ${testEval.count} sequences`);
    await logRunReports(
      { logArtifact: async (_run: string, local: string, artifactPath?: string) => tracker.logArtifact(local, artifactPath) },
      runId,
      { history, test: testEval, data, normalize: c.data.normalize, gridSize: c.evaluation.misclassified_grid },
      { warn: log },
    );
    tracker.logText(JSON.stringify({ ...testReport(testEval), metrics: testMetrics }, null, 2), 'metrics/test.json');
    if (c.mlflow.log_model) {
      const dir = path.join(runDir, 'model');
      await saveModel(model, dir);
      tracker.logArtifactDir(dir, 'model');
    }
    interruptedCheck(interruption);
    tracker.updateRun('FINISHED');
    await fs.rm(resumeDir, { recursive: true, force: true });
    await tracker.close(CLOSE_WAIT_MS);
    log(client ? `run finished: ${url}` : `run finished offline; \`npx xp sync\` sends it to MLflow (spool: ${url})`);
    return { runId, experimentId, url, status: 'FINISHED', test: testMetrics, history };
  } catch (e) {
    if (interruption.signal) {
      const signal = interruption.signal;
      const epoch = interruption.epoch;
      log(`${signal}: saving a checkpoint and ending the MLflow run as KILLED…`);
      await bestEffort(log, 'save the checkpoint', () => saveCheckpoint(epoch ?? 0));
      await bestEffort(log, 'keep the resume point', async () => {
        if (existsSync(resumeDir)) tracker.logArtifactDir(resumeDir, 'resume');
      });
      tracker.setTags({ ...killedTags(), 'xp.epochs_completed': String(completed()) });
      tracker.updateRun('KILLED');
      // The process promised to exit within 10 s; what MLflow has not taken by then stays in the spool.
      await tracker.close(4000);
      const where = epoch === undefined ? 'before training began' : `in epoch ${epoch + 1}`;
      throw new RunInterruptedError(
        signal,
        `interrupted by ${signal} ${where}; the MLflow run ended KILLED with a checkpoint under checkpoints/ ` +
          `(continue it with \`npx xp run --resume ${runId}\`): ${url}`,
      );
    }
    const err = e instanceof Error ? e : new Error(String(e));
    tracker.setTags({ 'xp.error': err.message.slice(0, MLFLOW_LIMITS.maxTagValueLength) });
    tracker.logText(err.stack ?? String(err), 'error/stacktrace.txt');
    if (existsSync(resumeDir)) tracker.logArtifactDir(resumeDir, 'resume');
    tracker.updateRun('FAILED');
    await tracker.close(CLOSE_WAIT_MS);
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

/** Params = the flattened resolved config, `${env:…}` values redacted; the description is the run note, not a param. */
function flatParams(exp: LoadedExperiment): Record<string, string> {
  const { description: _d, ...rest } = redactedConfig(exp);
  return flattenConfig(rest);
}

function datasetInput(info: { name: string; digest: string; source: string; profile: Record<string, unknown> }) {
  return {
    // MLflow caps digests at 36 characters.
    dataset: { name: info.name, digest: info.digest.slice(0, 36), sourceType: 'code', source: JSON.stringify({ synthesized_from: info.source }), profile: JSON.stringify(info.profile) },
    tags: [{ key: 'mlflow.data.context', value: 'training' }],
  };
}
