// `xp run`: config → data + model → MLflow run → training → evaluation → artifacts.
// Everything that can be wrong with the input is checked before the MLflow run exists, so a bad file
// never leaves a run behind; once the run exists, any failure ends it FAILED/KILLED with the reason.
import fs from 'node:fs/promises';
import path from 'node:path';
import { flattenConfig, type LoadedExperiment } from '@xp/core';
import { createDataBundle } from '@xp/data';
import { buildModel, modelSummary } from '@xp/models';
import { CallbackList } from '../callbacks/callback-list.js';
import type { Callback } from '../callbacks/callback.js';
import { callbacks as callbackRegistry } from '../callbacks/registry.js';
import { MlflowClient } from '../mlflow/index.js';
import { backendBanner, BackendError, loadBackend, type BackendName } from '../backend/native-backend.js';
import { MlflowLogger } from '../tracking/mlflow-logger.js';
import { createProgress } from '../tracking/progress.js';
import { evaluate } from '../training/evaluate.js';
import { train } from '../training/trainer.js';
import { createOptimizer } from '../training/optimizer.js';
import { logRunReports, testReport } from '../reports/index.js';
import { saveModel } from './model-artifact.js';
import { runTags } from './run-tags.js';
import { stateDir } from './state-dir.js';
import { trackingTarget } from './tracking-target.js';

export interface RunOptions {
  backend?: BackendName;
  log?: (msg: string) => void;
  /** Extra run tags, e.g. `mlflow.parentRunId` for a sweep trial. */
  tags?: Record<string, string>;
  /** Extra callbacks after the configured ones (e.g. a sweep's trial reporter/pruner). */
  callbacks?: Callback[];
}

export interface RunOutcome {
  runId: string;
  experimentId: string;
  url: string;
  status: 'FINISHED' | 'FAILED' | 'KILLED';
  test: Record<string, number>;
  history: Record<string, number>[];
}

/** Runs one loaded experiment end to end and returns where it was logged. */
export async function runExperiment(exp: LoadedExperiment, opts: RunOptions = {}): Promise<RunOutcome> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const c = exp.config;
  const backend = opts.backend ?? c.backend;
  const info = await loadBackend(backend, c.training.threads);
  if (info.name !== 'tensorflow' && backend === 'tensorflow') {
    throw new BackendError(`training needs the native TensorFlow backend but '${info.name}' is active; run \`npx xp doctor\`.`);
  }
  log(backendBanner(info));

  const data = await createDataBundle(c.data, c.augment, c.seed, { variants: c.evaluation.variants });
  const shape = { height: c.data.canvas.height, width: c.data.canvas.width, maxLen: c.data.max_len, numClasses: 11, seed: c.seed };
  const model = buildModel(c.model, shape);
  const summary = modelSummary(model);
  log(`model ${c.model.type}: ${summary.params.toLocaleString('en-US')} parameters`);

  const target = await trackingTarget(log);
  const client = new MlflowClient({ trackingUri: target.url });
  const experimentId = await client.getOrCreateExperiment(c.experiment);
  const run = await client.createRun({ experimentId, runName: c.name, tags: { ...runTags(exp, info.name), ...opts.tags } });
  const runId = run.info.runId;
  const url = client.runUrl(experimentId, runId);
  log(`MLflow run: ${url}`);
  const runDir = path.join(stateDir(), 'runs', runId);
  await fs.mkdir(runDir, { recursive: true });

  const state = { killed: false };
  const onSignal = (sig: NodeJS.Signals) => {
    state.killed = true;
    log(`\n${sig}: ending the MLflow run as KILLED…`);
    void client
      .setTags(runId, { 'xp.killed_by': sig })
      .catch(() => undefined)
      .finally(() => client.setTerminated(runId, 'KILLED').finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await client.logBatch(runId, { params: Object.entries(flatParams(exp)).map(([key, value]) => ({ key, value })) });
    await client.logInputs(runId, [datasetInput(data.info)]);
    await client.logText(runId, exp.resolvedYaml, 'config.resolved.yaml');
    await client.logText(runId, summary.text, 'model/summary.txt');

    const mlflowLogger = new MlflowLogger(client, runId, log);
    const cbs: Callback[] = c.callbacks.map((cb) =>
      (callbackRegistry[cb.type] as (o: typeof cb, d: unknown) => Callback)(cb, {
        runDir,
        totalEpochs: c.training.epochs,
        log,
        saveCheckpoint: async (epoch: number) => {
          const dir = path.join(runDir, 'checkpoint');
          await saveModel(model, dir);
          mlflowLogger.enqueue(() => client.logArtifactDir(runId, dir, 'checkpoints'));
          await fs.writeFile(path.join(dir, 'epoch.txt'), String(epoch));
        },
      }),
    );
    cbs.push(...(opts.callbacks ?? []), mlflowLogger);
    const optimizer = createOptimizer(c.training.optimizer);
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
    if (result.stopReason) await client.setTags(runId, { 'xp.stop_reason': result.stopReason });

    const testEval = await evaluate(model, data, 'test', c.training.eval_batch_size, { prefix: 'test_', keepPredictions: true });
    const testMetrics = { ...testEval.metrics };
    for (const v of c.evaluation.variants) {
      const name = v.name ?? v.type;
      const r = await evaluate(model, data, name, c.training.eval_batch_size, { prefix: 'test_' });
      for (const [k, val] of Object.entries(r.metrics)) testMetrics[`${k}/${name}`] = val;
    }
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
    optimizer.dispose();
    data.dispose();
    model.dispose();
    await client.setTerminated(runId, 'FINISHED');
    log(`run finished: ${url}`);
    return { runId, experimentId, url, status: 'FINISHED', test: testMetrics, history: result.history };
  } catch (e) {
    const err = e as Error;
    await client.setTags(runId, { 'xp.error': err.message.slice(0, 4000) }).catch(() => undefined);
    await client.logText(runId, err.stack ?? String(err), 'error/stacktrace.txt').catch(() => undefined);
    await client.setTerminated(runId, state.killed ? 'KILLED' : 'FAILED').catch(() => undefined);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
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
