// `model.init_from` and `model.freeze`: where a run's starting weights come from, and which layers it leaves
// alone. The source model (a run's or registry's model through the model store, or a model.json on disk) is read
// before the run exists; its weights are copied into the new model where name and shape agree, and a report of
// what was loaded, skipped or new goes to stderr and to the run. Patterns that name no layer are config errors.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, displayPath, type LoadedExperiment, type ModelCommonConfig } from '@xp/core';
import { ModelInputError, resolveModel } from '../model-use/index.js';
import { freezeLayers, matchLayers } from '../training/layer-patterns.js';
import { trackingTarget } from './tracking-target.js';

/** The model `init_from` names, read into memory. */
export interface InitSource {
  /** The reference as written in the config. */
  ref: string;
  /** The run and logged model it came from, when MLflow knows them. */
  runId?: string;
  modelId?: string;
  /** Its weights by name (`<layer>/<weight>`); owned here until {@link disposeSource}. */
  weights: tf.NamedTensorMap;
}

/** One weight of the new model whose source weight has another shape. */
export interface SkippedWeight {
  name: string;
  shape: number[];
  sourceShape: number[];
}

/** What `init_from` did, weight by weight (names are `<layer>/<weight>`). */
export interface InitReport {
  source: string;
  /** Copied from the source (same name, shape and dtype). */
  loaded: string[];
  /** In both, with another shape (or dtype): kept their initialisation. */
  skipped: SkippedWeight[];
  /** Not in the source: kept their initialisation. */
  new: string[];
  /** In the source only. */
  unused: string[];
}

const NO_MODEL =
  'the run has no model (no logged model, no model/model.json): it ran with mlflow.log_model: false or ended before saving it; start from a run that finished with its model';

type Spec = { name: string; shape: number[]; dtype: string };

/** The matching rule: a weight is loaded when the source has one of the same name, shape and dtype. Pure. */
export function matchWeights(source: string, model: readonly Spec[], from: readonly Spec[]): InitReport {
  const byName = new Map(from.map((s) => [s.name, s]));
  const report: InitReport = { source, loaded: [], skipped: [], new: [], unused: [] };
  for (const w of model) {
    const s = byName.get(w.name);
    if (!s) report.new.push(w.name);
    else if (s.dtype === w.dtype && tf.util.arraysEqual(s.shape, w.shape)) report.loaded.push(w.name);
    else report.skipped.push({ name: w.name, shape: w.shape, sourceShape: s.shape });
  }
  const names = new Set(model.map((w) => w.name));
  report.unused = from.filter((s) => !names.has(s.name)).map((s) => s.name);
  return report;
}

const layerOf = (weight: string) => weight.slice(0, weight.lastIndexOf('/'));
const layersOf = (weights: string[]) => [...new Set(weights.map(layerOf))];
const dims = (s: number[]) => `[${s.join(',')}]`;

/** The report as the lines printed to stderr. */
export function formatReport(r: InitReport): string[] {
  const total = r.loaded.length + r.skipped.length + r.new.length;
  const lines = [`init_from ${r.source}: loaded ${r.loaded.length} of ${total} weights (layers ${layersOf(r.loaded).join(', ') || 'none'})`];
  if (r.skipped.length) lines.push(`  skipped (shape differs; initialised): ${r.skipped.map((s) => `${s.name} ${dims(s.shape)} vs ${dims(s.sourceShape)} in the source`).join(', ')}`);
  if (r.new.length) lines.push(`  new (not in the source; initialised): layers ${layersOf(r.new).join(', ')}`);
  if (r.unused.length) lines.push(`  unused from the source: layers ${layersOf(r.unused).join(', ')}`);
  return lines;
}

/** The weight files of the model.json at `file`, decoded. */
async function readWeights(file: string): Promise<tf.NamedTensorMap> {
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as { weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${file} has no weightsManifest: it is not a tfjs layers model`);
  const out: tf.NamedTensorMap = {};
  for (const group of json.weightsManifest) {
    const parts = await Promise.all(group.paths.map((p) => fs.readFile(path.join(path.dirname(file), p))));
    const b = Buffer.concat(parts);
    Object.assign(out, tf.io.decodeWeights(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, group.weights));
  }
  return out;
}

/**
 * Reads the model `model.init_from` names: `runs:/…` and `models:/…` through the model store (downloaded once
 * into its cache), anything else as a path relative to the experiment file, to a model.json or its folder.
 * Every way it can name nothing is a config error at `model.init_from` (exit 2).
 */
export async function readInitSource(exp: LoadedExperiment, log: (msg: string) => void): Promise<InitSource | undefined> {
  const ref = (exp.config.model as ModelCommonConfig).init_from;
  if (ref === undefined) return undefined;
  const fail = (why: string, cause?: unknown) => new ConfigError([exp.issueAt('/model/init_from', `model.init_from ${ref}: ${why}`)], { cause });
  let file: string;
  let ids: { runId?: string; modelId?: string } = {};
  if (/^(runs|models):\//.test(ref)) {
    try {
      const resolved = await resolveModel(ref, { trackingUri: async () => (await trackingTarget(log)).url, log });
      file = path.join(resolved.dir, 'model.json');
      ids = { runId: resolved.runId, modelId: resolved.modelId };
    } catch (e) {
      if (!(e instanceof ModelInputError)) throw e;
      throw fail(/has no artifacts under/.test(e.message) ? NO_MODEL : e.message.replace(`'${ref}': `, ''), e);
    }
    // A run without a logged model can still have model/ artifacts (its summary.txt), but no model.json.
    if (!(await fs.stat(file).catch(() => undefined))) throw fail(NO_MODEL);
  } else {
    const given = path.resolve(path.dirname(exp.file), ref);
    const st = await fs.stat(given).catch(() => undefined);
    if (!st) throw fail(`no such file or folder (${displayPath(given)}); give runs:/<run-id>, models:/<name>@<alias>, or the path of a model.json relative to this file`);
    file = st.isDirectory() ? path.join(given, 'model.json') : given;
  }
  try {
    return { ref, ...ids, weights: await readWeights(file) };
  } catch (e) {
    throw fail(`cannot read its weights from ${displayPath(file)}: ${(e as Error).message.split('\n')[0]}`, e);
  }
}

/** Frees the source's tensors. */
export function disposeSource(s: InitSource | undefined): void {
  if (s) tf.dispose(Object.values(s.weights));
}

/**
 * Makes `model` start as the config says: checks that every `model.freeze` pattern and every `unfreeze`
 * callback's `layers` pattern names a layer (a config error at that pattern otherwise), copies the matching
 * weights of `source`, and freezes the layers `model.freeze` names. Returns the init_from report, if any.
 */
export function startModel(exp: LoadedExperiment, model: tf.LayersModel, source: InitSource | undefined, log: (msg: string) => void): InitReport | undefined {
  checkLayerPatterns(exp, model);
  let report: InitReport | undefined;
  if (source) {
    const own = model.layers.flatMap((l) => l.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[], dtype: w.dtype as string, variable: w })));
    const from = Object.entries(source.weights).map(([name, t]) => ({ name, shape: t.shape, dtype: t.dtype as string }));
    report = matchWeights(source.ref, own, from);
    if (report.loaded.length === 0) {
      throw new ConfigError([
        exp.issueAt(
          '/model/init_from',
          `model.init_from ${source.ref}: no weight of the source fits this model by name and shape (the source has layers ${layersOf(from.map((f) => f.name)).join(', ')}; ` +
            `this model ${layersOf(own.map((o) => o.name)).join(', ')}); start from a model with the same layer names`,
        ),
      ]);
    }
    const loaded = new Set(report.loaded);
    for (const w of own) if (loaded.has(w.name)) w.variable.write(source.weights[w.name]);
    formatReport(report).forEach((l) => log(l));
  }
  const freeze = (exp.config.model as ModelCommonConfig).freeze ?? [];
  if (freeze.length) log(`model.freeze: layers ${freezeLayers(model, freeze).frozen.join(', ')} are not trained`);
  return report;
}

/** Every freeze/unfreeze pattern must name a layer of `model`: a typo would otherwise silently train (or freeze) nothing. */
export function checkLayerPatterns(exp: LoadedExperiment, model: tf.LayersModel): void {
  const names = model.layers.map((l) => l.name);
  const known = `its layers are ${names.join(', ')} (\`xp validate --summary\` lists them)`;
  const issues = [];
  const freeze = (exp.config.model as ModelCommonConfig).freeze ?? [];
  for (const [i, p] of freeze.entries()) {
    if (matchLayers(names, [p]).unmatched.length) issues.push(exp.issueAt(`/model/freeze/${i}`, `model.freeze[${i}] '${p}' matches no layer of the model; ${known}`));
  }
  for (const [i, cb] of exp.config.callbacks.entries()) {
    if (cb.type !== 'unfreeze') continue;
    for (const [j, p] of cb.layers.entries()) {
      if (matchLayers(names, [p]).unmatched.length) issues.push(exp.issueAt(`/callbacks/${i}/layers/${j}`, `callbacks[${i}].layers[${j}] '${p}' (unfreeze) matches no layer of the model; ${known}`));
    }
  }
  if (issues.length) throw new ConfigError(issues);
}
