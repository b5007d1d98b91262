// Phase 5 of a run: the trained model as an MLflow 3 LoggedModel of the experiment — the tfjs files plus
// `preprocessing.json`, everything needed to feed it new inputs and read its outputs without the experiment file
// (normalisation, image size, a table's column encoders, class names, the task and its target), `MLmodel` and an
// input example, its params and tags, linked to the run as its output, with the test metrics carrying its
// model_id; optionally registered (`mlflow.register`). The files are uploaded once, as the LoggedModel's, not
// also among the run's artifacts: MLflow 3's own `log_model` does the same, and its UI shows them from the run's
// Models tab.
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { MlflowMetricInput } from '../mlflow/index.js';
import type { RunTracker } from '../tracking/spool/run-tracker.js';
import { saveModel } from './model-artifact.js';
import type { Prepared } from './prepare.js';

/** The name of the LoggedModel a run creates (MLflow's own default artifact name). */
export const LOGGED_MODEL_NAME = 'model';

const XP_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** What the logged model gets besides its files. */
export interface LogModelOptions {
  /** The run's params (the flattened config), copied onto the LoggedModel. */
  params: Record<string, string>;
  /** The test metrics, logged again with the model's id (and the test dataset) so MLflow's Models view shows them. */
  testMetrics: MlflowMetricInput[];
  /** `mlflow.register`: a registered model name (and alias) to register the logged model under. */
  register?: { name: string; alias?: string };
}

/**
 * Saves the model and its preprocessing under `dir` and journals them as the LoggedModel (created, filled,
 * finalized and linked when the journal is sent; see replay.ts).
 */
export async function logModel(p: Prepared, tracker: RunTracker, dir: string, opts: LogModelOptions): Promise<void> {
  await saveModel(p.model, dir);
  const preprocessing = { task: p.task.name, target: p.data.info.target, input: p.data.info.input, ...p.data.preprocessing() };
  await fs.writeFile(path.join(dir, 'preprocessing.json'), JSON.stringify(preprocessing, null, 2));
  const example = inputExample(p);
  if (example !== undefined) {
    // MLflow 3's layout: the bare array (what `Model.load_input_example` returns) and, beside it, the same example
    // as a request body of the scoring protocol (`{"inputs": …}`).
    await fs.writeFile(path.join(dir, 'input_example.json'), JSON.stringify(example));
    await fs.writeFile(path.join(dir, 'serving_input_example.json'), JSON.stringify({ inputs: example }));
  }
  const dataset = { datasetName: p.data.info.name, datasetDigest: p.data.info.digest.slice(0, 36) };
  const seq = tracker.logModel({
    name: LOGGED_MODEL_NAME,
    dir,
    params: opts.params,
    tags: { 'xp.task': p.task.name, 'xp.model': modelType(p), 'xp.version': XP_VERSION },
    mlmodel: mlmodelTemplate(p, example !== undefined),
    metrics: opts.testMetrics.map((m) => ({ ...m, ...dataset })),
  });
  if (opts.register) tracker.registerModel({ modelSeq: seq, modelName: LOGGED_MODEL_NAME, name: opts.register.name, alias: opts.register.alias });
}

function modelType(p: Prepared): string {
  return p.model.name || 'tfjs';
}

/** MLflow's tensor spec of a symbolic tensor: `{type: tensor, tensor-spec: {dtype, shape}}`, batch dimension -1. */
function tensorSpec(t: tf.SymbolicTensor) {
  return { type: 'tensor', name: t.name, 'tensor-spec': { dtype: t.dtype, shape: t.shape.map((d) => d ?? -1) } };
}

/**
 * The `MLmodel` file without what only MLflow knows (model_id, run_id, time of creation): those are filled in
 * when the LoggedModel exists (replay.ts), so a spooled model gets them when `xp sync` sends it.
 */
export function mlmodelTemplate(p: Prepared, hasExample: boolean): Record<string, unknown> {
  return {
    artifact_path: LOGGED_MODEL_NAME,
    flavors: {
      tfjs: {
        loader_module: '@xp/runner',
        xp_version: XP_VERSION,
        tfjs_version: tf.version.tfjs,
        format: 'layers-model',
        model_file: 'model.json',
        weights: ['weights.bin'],
        preprocessing: 'preprocessing.json',
        task: p.task.name,
        target: p.data.info.target,
      },
    },
    signature: {
      inputs: JSON.stringify(p.model.inputs.map(tensorSpec)),
      outputs: JSON.stringify(p.model.outputs.map(tensorSpec)),
      params: null,
    },
    ...(hasExample ? { saved_input_example_info: { artifact_path: 'input_example.json', type: 'ndarray', serving_input_path: 'serving_input_example.json' } } : {}),
  };
}

/** The first test example as the model sees it (preprocessed), or undefined when the split is empty. */
function inputExample(p: Prepared): unknown {
  for (const batch of p.data.batches('test', 1)) {
    try {
      return batch.xs.arraySync();
    } finally {
      batch.xs.dispose();
      batch.ys.dispose();
      for (const t of Object.values(batch.extras ?? {})) t.dispose();
    }
  }
  return undefined;
}
