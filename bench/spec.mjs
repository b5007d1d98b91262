// The benchmark's single source of truth: the two architectures, the data shape and the training recipe, read
// from the project's own experiment files through @xp/core (extends merged, defaults filled, validated), so
// Keras and PyTorch are built from exactly the options xp builds from, not from a hand-copied description.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../packages/core/dist/index.js';
import { NO_PLUGINS } from '../packages/runner/dist/plugins/load-plugins.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The models compared, by the experiment file whose `model` section defines each. */
export const MODEL_FILES = {
  baseline: 'experiments/mnist-seq/01-baseline.yaml',
  final: 'experiments/mnist-seq/06-final.yaml',
};

/** The recipe of the time-to-accuracy run (data, augmentation, optimizer, callbacks). */
export const RECIPE_FILE = MODEL_FILES.final;

/** Sequences per training step in every throughput measurement (the issue fixes it, whatever the YAML says). */
export const BENCH_BATCH = 128;

/**
 * Loads one experiment file relative to the repository root, with `--set`-style overrides, validated against the
 * built-in registries (datasets, models, tasks) as `xp run` without plugins validates it.
 */
export function loadExp(file, overrides = []) {
  return loadExperiment(path.resolve(ROOT, file), { overrides, extensions: NO_PLUGINS.extensions });
}

/** The resolved config of {@link loadExp}. */
export function loadConfig(file, overrides = []) {
  return loadExp(file, overrides).then((e) => e.config);
}

/**
 * Builds the spec every runner reads: input shape, classes, optimizer, and each model's resolved `model`
 * section. `recipeOverrides` are `--set` overrides of the recipe (e.g. smaller splits for a smoke run).
 */
export async function buildSpec(recipeOverrides = []) {
  const models = {};
  for (const [key, file] of Object.entries(MODEL_FILES)) {
    const c = await loadConfig(file);
    models[key] = { file, model: c.model, seed: c.seed };
  }
  const recipe = await loadConfig(RECIPE_FILE, recipeOverrides);
  const { canvas, max_len: maxLen } = recipe.data;
  return {
    input: { height: canvas.height, width: canvas.width, channels: 1 },
    maxLen,
    numClasses: 11,
    batchSize: BENCH_BATCH,
    // Adam 1e-3 for both models (the recipe's optimizer; the baseline YAML uses the same one).
    optimizer: recipe.training.optimizer,
    models,
    recipe: {
      file: RECIPE_FILE,
      overrides: recipeOverrides,
      seed: recipe.seed,
      batchSize: recipe.training.batch_size,
      evalBatchSize: recipe.training.eval_batch_size,
      trainCount: recipe.data.train.count,
      valCount: recipe.data.val.count,
      callbacks: recipe.callbacks,
      // An lr_schedule runs over the recipe's epochs, whatever --max-epochs caps the time-to-accuracy run at.
      epochs: recipe.training.epochs,
    },
  };
}
