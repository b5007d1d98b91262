// Phase 1 of a run: everything that can be wrong with the input is found here, before any MLflow run exists —
// the backend, the data files, the dataset, the task bound to the data's target, and the model (trunk + the
// task's head). A model whose shape can be known from the config alone is built before the data is read, so a
// bad architecture fails in milliseconds rather than after loading.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type LoadedExperiment, type Precision } from '@xp/core';
import { DataFileError, type DataBundle, type TargetSpec } from '@xp/data';
import { ModelConfigError, modelSummary, type ModelSummary } from '@xp/models';
import { backendBanner, BackendError, loadBackend, type BackendInfo, type BackendName } from '../backend/native-backend.js';
import { taskNameFor, type Registries } from '../registries/registries.js';
import type { BoundTask } from '../tasks/task.js';
import { resolveConvKernel } from '../training/native/conv-kernel.js';
import { resolvePrecision } from '../training/native/precision.js';
import { tfjsLayersReport } from '../training/native/tfjs-layers-report.js';
import { tfjsLayerClasses } from '../training/native/training-forward.js';
import { disposeSource, readInitSource, startModel, type InitReport, type InitSource } from './init-from.js';

/** What a run trains: the data, the task bound to it, and the model with the task's head. */
export interface Prepared {
  backend: BackendInfo;
  data: DataBundle;
  task: BoundTask;
  model: tf.LayersModel;
  summary: ModelSummary;
  /** What training computes in: `training.precision`, or float32 after a fallback on a CPU without bfloat16. */
  precision: Precision;
  /** Whether convolutions run as oneDNN's fused kernel (`training.conv_kernel` resolved for this precision and machine). */
  fusedConv: boolean;
  /** The `xp.tfjs_layers` tag: the layer classes the native training step runs on tfjs kernels (see tfjs-layers-report.ts). */
  tfjsLayers: string;
  /** Where `model.init_from` came from and what it loaded, when the config has one. */
  initFrom?: { source: Omit<InitSource, 'weights'>; report: InitReport };
  /** Frees the data's and the model's tensors. */
  dispose(): void;
}

/** Options of {@link prepare}. */
export interface PrepareOptions {
  backend?: BackendName;
  log: (msg: string) => void;
  /** Loaded ahead by a warm process (see DatasetType.prepare's `preloaded`). */
  preloaded?: Promise<unknown>;
  /** Called once the backend is up (start-up timing marks). */
  onBackendReady?: () => void;
}

/** The dataset, task and model of `exp`, ready to train; config and data problems throw before anything is logged. */
export async function prepare(exp: LoadedExperiment, registries: Registries, o: PrepareOptions): Promise<Prepared> {
  const c = exp.config;
  const dataset = registries.datasets[c.data.type];
  const baseDir = path.dirname(exp.file);
  // Reading the files overlaps loading TensorFlow (the read is I/O, the load mostly not).
  const preloaded = o.preloaded ?? dataset.preload?.(c.data);
  preloaded?.catch(() => undefined);
  const backend = o.backend ?? c.backend;
  const info = await loadBackend(backend, c.training.threads);
  o.onBackendReady?.();
  if (info.name !== 'tensorflow' && backend === 'tensorflow') {
    throw new BackendError(`training needs the native TensorFlow backend but '${info.name}' is active; run \`npx xp doctor\`.`);
  }
  const checked = await checkInputs(exp, registries, o.log, { keepInspected: true });
  const precision = checked.precision;
  const fusedConv = resolveConvKernel(c.training.conv_kernel, precision, o.log);
  let model: tf.LayersModel | undefined = checked.model;
  let initReport = checked.initReport;
  let data: DataBundle | undefined;
  try {
    // After the input checks, so that a refused input prints its problems and nothing else.
    o.log(backendBanner(info));
    data = await dataset.prepare(c.data, { seed: c.seed, augment: c.augment, variants: c.evaluation.variants, baseDir, preloaded, inspected: checked.inspected, log: o.log });
    const task = bindTask(exp, registries, data.info.target, Object.hasOwn(data.info.splits, 'val'));
    if (!model) {
      model = buildModel(exp, registries, data.info.input.shape, task);
      initReport = startModel(exp, model, checked.initSource, o.log);
    }
    const summary = modelSummary(model);
    o.log(`model ${c.model.type}: ${summary.params.toLocaleString('en-US')} parameters; task ${task.name}, headline ${task.headline.metric} (${task.headline.mode})`);
    // Which layers the native training step leaves to tfjs's kernels (the xp.tfjs_layers tag says it too).
    const tfjsLayers = tfjsLayersReport(tfjsLayerClasses(model, { precision }));
    o.log(tfjsLayers.line);
    const [m, d] = [model, data];
    const initFrom = checked.initSource && initReport && { source: { ref: checked.initSource.ref, runId: checked.initSource.runId, modelId: checked.initSource.modelId }, report: initReport };
    return { backend: info, data: d, task, model: m, summary, precision, fusedConv, tfjsLayers: tfjsLayers.tag, initFrom, dispose: () => (d.dispose(), m.dispose()) };
  } catch (e) {
    data?.dispose();
    model?.dispose();
    throw e;
  } finally {
    disposeSource(checked.initSource);
  }
}

/**
 * Every check `xp run` makes of its input before anything is logged, so that `xp validate` makes the same ones: the
 * precision the YAML insists on, the data files (the dataset type's `inspect`, a DataFileError naming file and
 * line), the model `model.init_from` names (read here), and the model with the task's head when the config alone
 * gives its shape (a shape that cannot work, or a freeze pattern that names no layer, is a config error at its
 * option), started from init_from's weights and frozen as `model.freeze` says. Needs the backend loaded. The
 * caller owns (and disposes) the model and the init_from source it returns; with `keepInspected` (a run, which
 * prepares the data next), also what the data check read, for the dataset's `prepare` (its `ctx.inspected`).
 */
export async function checkInputs(
  exp: LoadedExperiment,
  registries: Registries,
  log: (msg: string) => void,
  opts: { keepInspected?: boolean } = {},
): Promise<{ precision: Precision; model?: tf.LayersModel; initSource?: InitSource; initReport?: InitReport; inspected?: unknown }> {
  const c = exp.config;
  const dataset = registries.datasets[c.data.type];
  // A YAML that insists on bfloat16 where it is missing fails here, naming the option.
  const precision = resolvePrecision(c.training, log);
  let inspected: unknown;
  const keep = opts.keepInspected ? (kept: unknown) => void (inspected = kept) : undefined;
  const problems = (await dataset.inspect?.(c.data, { baseDir: path.dirname(exp.file), keep })) ?? [];
  if (problems.length) throw new DataFileError(problems);
  const shape = dataset.inputShape?.(c.data);
  const target = dataset.target?.(c.data);
  const initSource = await readInitSource(exp, log);
  try {
    const model = shape && target ? buildModel(exp, registries, shape, bindTask(exp, registries, target, true)) : undefined;
    try {
      const initReport = model && startModel(exp, model, initSource, log);
      return { precision, model, initSource, initReport, inspected };
    } catch (e) {
      model?.dispose();
      throw e;
    }
  } catch (e) {
    disposeSource(initSource);
    throw e;
  }
}

/** The task the config names (or the data's target implies), bound to that target. */
export function bindTask(exp: LoadedExperiment, registries: Registries, target: TargetSpec, validates: boolean): BoundTask {
  const c = exp.config;
  const name = taskNameFor(c, target) as string;
  const type = registries.tasks[name];
  if (!type.accepts.includes(target.kind)) {
    const fits = Object.keys(registries.tasks).filter((t) => registries.tasks[t].accepts.includes(target.kind));
    throw new ConfigError([exp.issueAt(c.task ? '/task' : '/data/type', `task ${name} cannot learn the ${target.kind} targets of data.type ${c.data.type}; use task: ${fits.join(' or ')}`)]);
  }
  return type.bind(c.task ?? { type: name }, target, { validates, labelSmoothing: c.training.label_smoothing });
}

/**
 * The model of `exp`: the architecture's trunk on `inputShape` with the task's head. A shape the model cannot
 * take is a config error at the option that causes it.
 */
export function buildModel(exp: LoadedExperiment, registries: Registries, inputShape: number[], task: BoundTask): tf.LayersModel {
  const c = exp.config;
  const type = registries.models[c.model.type];
  try {
    const trunk = type.build(c.model, { inputShape, seed: c.seed });
    return tf.model({ inputs: trunk.input, outputs: task.head(trunk), name: c.model.type.replace(/-/g, '_') });
  } catch (e) {
    if (e instanceof ModelConfigError) throw new ConfigError([exp.issueAt(e.pointer ?? '/model', e.message)], { cause: e });
    const clash = e instanceof Error ? /^The name "([^"]+)" is used \d+ times in the model/.exec(e.message) : null;
    if (clash) {
      // A layer name the YAML gave (`name:`) that the task's head also uses: tfjs refuses the model with a plain Error.
      const message = `model: the layer name '${clash[1]}' is also a layer of the ${task.name} task's head; choose another name`;
      throw new ConfigError([exp.issueAt(pointerOfName(c.model, clash[1]) ?? '/model', message)], { cause: e });
    }
    throw e;
  }
}

/** JSON pointer of the `name:` under `value` (at any depth) that equals `name`, e.g. `/model/layers/3/name`. */
function pointerOfName(value: unknown, name: string, at = '/model'): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'name' && v === name) return `${at}/name`;
    const found = pointerOfName(v, name, `${at}/${k}`);
    if (found) return found;
  }
  return undefined;
}
