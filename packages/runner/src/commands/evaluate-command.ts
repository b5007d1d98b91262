// `xp evaluate <model> <experiment-or-data.yaml> [--split test]`: scores a trained model on a dataset and logs an
// evaluation run, as `mlflow.evaluate` does: the task's metrics (each point carrying the model's id and the
// dataset's name and digest, so MLflow's Models view lists them under the model), the task's plots, the dataset
// as the run's input, and the model as its input too. The model comes from the shared loader (model-use/); the
// data from the experiment's dataset type, prepared exactly as training prepared it; the scoring and reports
// from the run's own evaluation phase (run/evaluate-phase.ts). The file is an experiment, or a data file: a YAML
// without `model:` (its `data:`, and optionally `task`, `seed`, `experiment`, `evaluation`).
import fs from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, flattenConfig, loadExperiment, parseExperimentText, redactedConfig, XpError, type LoadedExperiment } from '@xp/core';
import type { DataBundle } from '@xp/data';
import { loadBackend } from '../backend/native-backend.js';
import { parse as parseYaml } from 'yaml';
import { MLFLOW_LIMITS, MlflowClient } from '../mlflow/index.js';
import { loadPredictor, type Predictor } from '../model-use/index.js';
import { loadPlugins, type LoadedPlugins } from '../plugins/load-plugins.js';
import { evaluateAndReport } from '../run/evaluate-phase.js';
import { bindTask } from '../run/prepare.js';
import { runTags } from '../run/run-tags.js';
import { openTracking } from '../run/tracking-session.js';
import { trackingTarget } from '../run/tracking-target.js';

/** Options of `xp evaluate`. */
export interface EvaluateCommandOptions {
  /** The split scored (default `test`). */
  split?: string;
  set?: string[];
  plugin?: string[];
  offline?: boolean;
}

/** How long the evaluation run waits for MLflow to take its records before leaving them to `xp sync`. */
const CLOSE_WAIT_MS = Number(process.env.XP_SPOOL_WAIT_S ?? 30) * 1000;

/** Scores `modelRef` on the split of `file`'s data, logs the evaluation run, and prints its URL on stdout. */
export async function evaluateCommand(modelRef: string, file: string, opts: EvaluateCommandOptions = {}): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const split = opts.split ?? 'test';
  const plugins = await loadPlugins(opts.plugin);
  const { exp, dataFile } = await loadEvaluationFile(file, opts.set ?? [], plugins);
  const c = exp.config;
  // The same threads as training, so that sums are taken in the same order and the scores agree with the run's.
  await loadBackend('tensorflow', c.training.threads);
  // The server is asked for only when the reference needs it (a local folder or a cached model id does not).
  const predictor = await loadPredictor(modelRef, { log, trackingUri: async () => (await trackingTarget(log)).url });
  let data: DataBundle | undefined;
  try {
    const dataset = plugins.registries.datasets[c.data.type];
    data = await dataset.prepare(c.data, { seed: c.seed, augment: [], variants: c.evaluation.variants, baseDir: path.dirname(exp.file), log });
    const task = bindTask(exp, plugins.registries, data.info.target, false);
    checkFits(predictor, data, task.name, split, exp);
    await logEvaluation(exp, predictor, data, task, { split, offline: opts.offline, log, modelRef, dataFile });
  } finally {
    data?.dispose();
    predictor.dispose();
  }
}

/**
 * The experiment `file` names, or, for a data file (no `model:` and no `extends:`), the file loaded as an
 * experiment with a stand-in model section: the model scored comes from the reference, so the stand-in is
 * never built; it only lets the file be checked as every experiment is (file:line:col errors, the dataset's
 * own checks). The first model type the data accepts stands in. Appended lines keep the file's line numbers.
 */
async function loadEvaluationFile(file: string, overrides: string[], plugins: LoadedPlugins): Promise<{ exp: LoadedExperiment; dataFile?: DataFileInfo }> {
  const extensions = plugins.extensions;
  const text = await fs.readFile(file, 'utf8');
  let top: unknown;
  try {
    top = parseYaml(text);
  } catch {
    top = undefined; // the loader reports the syntax error with its position
  }
  const keys = top !== null && typeof top === 'object' && !Array.isArray(top) ? Object.keys(top) : [];
  if (keys.length === 0 || keys.includes('model') || keys.includes('extends')) return { exp: await loadExperiment(file, { overrides, extensions }) };
  const stem = path.basename(file).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'data';
  const name = keys.includes('name') ? '' : `\nname: ${JSON.stringify(stem)}`;
  let first: unknown;
  for (const type of Object.keys(plugins.registries.models)) {
    try {
      const exp = await parseExperimentText(`${text}\n${name}\nmodel: { type: ${JSON.stringify(type)} }\n`, file, { overrides, extensions });
      return { exp, dataFile: { namesExperiment: keys.includes('experiment') } };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      first ??= e;
    }
  }
  throw first;
}

/** What a data file (rather than an experiment) left to the model: the MLflow experiment, unless it names one. */
interface DataFileInfo {
  namesExperiment: boolean;
}

/** Refuses (exit 2) a model the data cannot be scored with: another task, input, target or preprocessing, or no such split. */
function checkFits(predictor: Predictor, data: DataBundle, taskName: string, split: string, exp: LoadedExperiment): void {
  const refuse = (what: string) => new XpError('XP_CONFIG_EVALUATE_MISMATCH', `xp evaluate ${predictor.info.ref} ${path.relative(process.cwd(), exp.file)}: ${what}`);
  if (!Object.hasOwn(data.info.splits, split)) throw refuse(`the data has no split '${split}' (it has ${Object.keys(data.info.splits).join(', ')}); choose one with --split`);
  if (predictor.info.task !== taskName) throw refuse(`the model was trained for task ${predictor.info.task}, but this data makes task ${taskName}`);
  const [got, want] = [data.info.input.shape, predictor.info.input.shape];
  if (!isDeepStrictEqual([...got], [...want])) throw refuse(`the model takes input [${want.join(', ')}], but this data gives [${got.join(', ')}]`);
  const classes = (t: { kind: string; classes?: string[] }) => (t.kind === 'values' ? undefined : t.classes);
  if (!isDeepStrictEqual(classes(data.info.target), predictor.info.classes)) {
    throw refuse(`the model's classes (${predictor.info.classes?.join(', ')}) are not this data's (${classes(data.info.target)?.join(', ')})`);
  }
  // A model's scores mean something only on inputs prepared as in its training: the data must fit the same
  // preprocessing (normalisation, image size, column encoders) as the model's preprocessing.json holds. A key
  // the file does not record (a model saved by an older xp) cannot be compared and is not held against it.
  const fitted = data.preprocessing();
  const saved = predictor.preprocessing.raw;
  const differs = Object.keys(fitted).filter((k) => Object.hasOwn(saved, k) && !isDeepStrictEqual(fitted[k], saved[k]));
  if (differs.length) {
    throw refuse(`this data prepares inputs differently from the model's training (${differs.join(', ')} ${differs.length === 1 ? 'differs' : 'differ'} from its preprocessing.json); evaluate on data configured as the model's experiment was`);
  }
}

/** Opens the evaluation run, scores, logs metrics (with the model's id), plots and inputs, and ends the run. */
async function logEvaluation(
  exp: LoadedExperiment,
  predictor: Predictor,
  data: DataBundle,
  task: ReturnType<typeof bindTask>,
  o: { split: string; offline?: boolean; log: (msg: string) => void; modelRef: string; dataFile?: DataFileInfo },
): Promise<void> {
  const c = exp.config;
  const { modelId, runId: sourceRunId } = predictor.info;
  const name = `${c.name}-evaluation`;
  // A data file has no model type of its own (its stand-in is not the model scored), and, unless it names one,
  // its evaluation goes to the experiment the model was logged in, as `mlflow.evaluate` logs beside the model.
  const { 'xp.model': standIn, ...standard } = await runTags(exp, 'tensorflow', task);
  const experimentId = o.dataFile && !o.dataFile.namesExperiment && modelId && !o.offline ? await modelExperiment(modelId, o.log) : undefined;
  const tags = {
    ...standard,
    ...(o.dataFile ? {} : { 'xp.model': standIn }),
    'mlflow.runName': name,
    'xp.evaluation.model': o.modelRef,
    'xp.evaluation.split': o.split,
    ...(modelId ? { 'xp.evaluation.model_id': modelId } : {}),
    ...(sourceRunId ? { 'xp.evaluation.source_run_id': sourceRunId } : {}),
  };
  const session = await openTracking({ ...exp, config: { ...c, name } }, { log: o.log, offline: o.offline, tags, marks: {}, experimentId });
  const { tracker, runId, url } = session;
  try {
    const { data: dataConfig, evaluation } = redactedConfig(exp);
    if (o.dataFile) tracker.setTags({ 'xp.evaluation.data_file': 'true' });
    tracker.logParams({
      ...flattenConfig({ model: o.modelRef, split: o.split, data: dataConfig, evaluation, training: { eval_batch_size: c.training.eval_batch_size } }),
      ...(modelId ? { model_id: modelId } : {}),
    });
    const digest = data.info.digest.slice(0, 36);
    tracker.logInputs(
      [
        {
          dataset: { name: data.info.name, digest, sourceType: 'local', source: JSON.stringify({ uri: data.info.source }), profile: JSON.stringify(data.info.profile) },
          tags: [{ key: 'mlflow.data.context', value: 'evaluation' }],
        },
      ],
      modelId ? [modelId] : [],
    );
    await evaluateAndReport(exp, { task, model: predictor.model, data }, {
      tracker, runId, history: [], log: o.log, checkInterrupted: () => undefined, split: o.split, timestamp: Date.now(),
      metricFields: modelId ? { modelId, datasetName: data.info.name, datasetDigest: digest } : {},
    });
    tracker.updateRun('FINISHED');
    await tracker.close(CLOSE_WAIT_MS);
    o.log(session.client ? `evaluation run finished: ${url}` : `evaluation run finished offline; \`npx xp sync\` sends it to MLflow (spool: ${url})`);
    process.stdout.write(`${url}\n`);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    tracker.setTags({ 'xp.error': err.message.slice(0, MLFLOW_LIMITS.maxTagValueLength) });
    tracker.logText(err.stack ?? String(err), 'error/stacktrace.txt');
    tracker.updateRun('FAILED');
    await tracker.close(CLOSE_WAIT_MS);
    o.log(`evaluation run ended FAILED: ${url}`);
    throw e;
  }
}

/** The MLflow experiment id of a logged model. */
async function modelExperiment(modelId: string, log: (msg: string) => void): Promise<string> {
  const client = new MlflowClient({ trackingUri: (await trackingTarget(log)).url });
  return (await client.getLoggedModel(modelId)).experimentId;
}
