// `xp run`: config → model + data → MLflow run → training → evaluation → artifacts.
// Everything that can be wrong with the input is checked before the MLflow run exists, so a bad file
// never leaves a run behind; once the run exists, any failure ends it FAILED/KILLED with the reason, and
// SIGINT/SIGTERM stop training at a batch boundary (see interruption.ts) rather than killing the process.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { flattenConfig, redactedConfig, type LoadedExperiment } from '@xp/core';
import type { DatasetInfo } from '@xp/data';
import { CallbackList } from '../callbacks/callback-list.js';
import type { Callback } from '../callbacks/callback.js';
import { createCallback, type PluginCallbacks } from '../callbacks/registry.js';
import { TerminateOnNaN } from '../callbacks/terminate-on-nan.js';
import { MLFLOW_LIMITS } from '../mlflow/index.js';
import { BUILT_IN, type Registries } from '../registries/registries.js';
import { setLearningRate } from '../training/learning-rate.js';
import { applyResumeState, readResumeState, ResumePoint, type ResumeState } from './resume-point.js';
import type { BackendName } from '../backend/native-backend.js';
import { MlflowLogger } from '../tracking/mlflow-logger.js';
import { createProgress } from '../tracking/progress.js';
import { systemMetricsCallbacks } from '../tracking/system-metrics.js';
import { evaluate } from '../training/evaluate.js';
import { train } from '../training/trainer.js';
import { createOptimizer } from '../training/optimizer.js';
import { RunInterruptedError, TrainingDivergedError } from './errors.js';
import { evaluateAndReport } from './evaluate-phase.js';
import { Interruption } from './interruption.js';
import { logModel } from './log-model.js';
import { saveModel } from './model-artifact.js';
import { prepare, type Prepared } from './prepare.js';
import { runTags } from './run-tags.js';
import { processStartedAt, timingTags, type TimingMarks } from './timing.js';
import { stateDir } from './state-dir.js';
import { openTracking, type TrackingSession } from './tracking-session.js';

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
  /** What the dataset type reads ahead, already being read by the caller (a warm trial process's MNIST). */
  preloaded?: Promise<unknown>;
  /** The registries the experiment was loaded with (built-ins plus `--plugin` entries). Defaults to the built-ins. */
  registries?: Registries;
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
  const registries = opts.registries ?? BUILT_IN;
  // Work started early is awaited later; these keep an error before then from leaving it unhandled.
  opts.beforeRun?.catch(() => undefined);
  const marks: TimingMarks = { process_started: processStartedAt(), ...opts.timing, backend_load_started: Date.now() };
  // 1. prepare: backend, data files, dataset, task, model — every input problem is found before a run exists.
  const prepared = await prepare(exp, registries, { backend: opts.backend, log, preloaded: opts.preloaded, onBackendReady: () => (marks.backend_ready = Date.now()) });
  try {
    // git (commit, dirty tree) runs while the rest starts up.
    // xp.precision: what training runs in (the param training.precision is what was asked; they differ after a fallback).
    // xp.conv_kernel: how convolutions ran (`fused` or `separate`; the param training.conv_kernel is what was asked).
    // xp.tfjs_layers: the layer classes the native training step runs on tfjs kernels ('none', or 'all' without native ops).
    const tags = runTags(exp, prepared.backend.name, prepared.task).then((t) => ({ ...t, 'xp.precision': prepared.precision, 'xp.conv_kernel': prepared.fusedConv ? 'fused' : 'separate', 'xp.tfjs_layers': prepared.tfjsLayers, ...initFromTags(prepared) }));
    tags.catch(() => undefined);
    await opts.beforeRun;
    const resumed = opts.resume ? await readResumeState(opts.resume.dir) : undefined;
    // 2. tracking session: journal, run, tags.
    const session = await openTracking(exp, { log, offline: opts.offline, resume: opts.resume, resumed, experimentId: opts.experimentId, tags: { ...(await tags), ...opts.tags }, marks });
    marks.run_created = Date.now();
    // Until here a signal ends the process the default way, which is right: there is no run to end yet.
    const interruption = new Interruption({ log });
    try {
      return await trackedRun({ exp, opts, log, prepared, session, interruption, resumed, marks });
    } finally {
      interruption.dispose();
    }
  } finally {
    prepared.dispose();
  }
}

interface TrackedRun {
  exp: LoadedExperiment;
  opts: RunOptions;
  log: (msg: string) => void;
  prepared: Prepared;
  session: TrackingSession;
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
  const { exp, opts, log, interruption, resumed } = r;
  const { model, data, task } = r.prepared;
  const { client, tracker, runId, experimentId, url } = r.session;
  const c = exp.config;
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
      tracker.logText(r.prepared.summary.text, 'model/summary.txt');
      const init = r.prepared.initFrom;
      if (init) {
        // What init_from did, weight by weight; the counts as params so the runs table can show them.
        tracker.logText(JSON.stringify({ ...init.source, ...init.report }, null, 2), 'init_from.json');
        tracker.logParams({ 'init_from.loaded': String(init.report.loaded.length), 'init_from.skipped': String(init.report.skipped.length), 'init_from.new': String(init.report.new.length) });
        // Where the fine-tune starts, before its first update: the validation metrics as init_val_* at step 0
        // (val_* at step 0 are those after the first epoch).
        if (Object.hasOwn(data.info.splits, 'val')) {
          const before = await evaluate(model, task, data, 'val', c.training.eval_batch_size, { prefix: 'init_val_' });
          tracker.logMetrics(Object.entries(before.metrics).filter(([, v]) => Number.isFinite(v)).map(([key, value]) => ({ key, value, step: 0, timestamp: Date.now() })));
          const shown = [...new Set([task.headline.metric.replace(/^val_/, ''), 'loss'])].filter((k) => Number.isFinite(before.metrics[`init_val_${k}`]));
          log(`init_from: before training, ${shown.map((k) => `val_${k} ${before.metrics[`init_val_${k}`].toFixed(4)}`).join(', ')} (logged as init_val_* at step 0)`);
        }
      }
      if (data.info.skipped > 0) {
        // `on_bad_file: skip` dropped files: said where a reader of the run looks, not only in the log.
        tracker.setTags({ 'xp.data.skipped_files': String(data.info.skipped) });
        tracker.logMetrics([{ key: 'data_skipped_files', value: data.info.skipped, step: 0 }]);
        log(`data: ${data.info.skipped} unreadable file(s) skipped (on_bad_file: skip)`);
      }
    }

    // `monitor: headline` in a callback watches the bound task's headline (its train value when not validating).
    const deps = { runDir, totalEpochs: c.training.epochs, log, saveCheckpoint, headline: task.headline };
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
    // 3. train.
    const result = await train({
      model,
      optimizer: opt,
      task,
      data,
      epochs: c.training.epochs,
      batchSize: c.training.batch_size,
      evalBatchSize: c.training.eval_batch_size,
      validate: Object.hasOwn(data.info.splits, 'val'),
      precision: r.prepared.precision,
      fusedConv: r.prepared.fusedConv,
      seed: c.seed,
      callbacks: callbackList,
      progress: createProgress(task.progressFields),
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

    // 4. evaluate and report.
    const testAt = Date.now();
    const testStep = history.length;
    const testMetrics = await evaluateAndReport(exp, r.prepared, { tracker, runId, history, log, checkInterrupted: () => interruptedCheck(interruption), timestamp: testAt });
    // 5. the model: an MLflow 3 LoggedModel (registered when `mlflow.register` says so).
    if (c.mlflow.log_model) {
      await logModel(r.prepared, tracker, path.join(runDir, 'model'), {
        params: flatParams(exp),
        testMetrics: Object.entries(testMetrics).map(([key, value]) => ({ key, value, step: testStep, timestamp: testAt })),
        register: c.mlflow.register,
      });
    }
    // 6. finish.
    interruptedCheck(interruption);
    tracker.updateRun('FINISHED');
    await fs.rm(resumeDir, { recursive: true, force: true });
    await tracker.close(CLOSE_WAIT_MS);
    log(client ? `run finished: ${url}` : `run finished offline; \`npx xp sync\` sends it to MLflow (spool: ${url})`);
    if (client) log(`run id: ${runId}${c.mlflow.log_model ? ` — use its model: npx xp predict runs:/${runId} <images or rows…>` : ''}`);
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

/** The run's source model (`model.init_from`): the reference as written, and the run and logged model it resolved to. */
function initFromTags(p: Prepared): Record<string, string> {
  const s = p.initFrom?.source;
  if (!s) return {};
  return { 'xp.init_from': s.ref, ...(s.runId ? { 'xp.init_from.run_id': s.runId } : {}), ...(s.modelId ? { 'xp.init_from.model_id': s.modelId } : {}) };
}

/** Params = the flattened resolved config, `${env:…}` values redacted; the description is the run note, not a param. */
function flatParams(exp: LoadedExperiment): Record<string, string> {
  const { description: _d, ...rest } = redactedConfig(exp);
  return flattenConfig(rest);
}

function datasetInput(info: DatasetInfo) {
  return {
    // MLflow caps digests at 36 characters.
    dataset: { name: info.name, digest: info.digest.slice(0, 36), sourceType: 'local', source: JSON.stringify({ uri: info.source }), profile: JSON.stringify(info.profile) },
    tags: [{ key: 'mlflow.data.context', value: 'training' }],
  };
}
