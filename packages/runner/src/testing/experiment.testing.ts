// Test helpers: experiments loaded with the built-in registries, and models built the way `xp run` builds them
// (the architecture's trunk plus the task's head).
import type * as tf from '@tensorflow/tfjs';
import { parseExperimentText, type LoadedExperiment, type ModelConfig } from '@xp/core';
import { BLANK, createDataBundle, SEQUENCE_CLASSES, type MnistSequencesConfig } from '@xp/data';
import { NO_PLUGINS } from '../plugins/load-plugins.js';
import { BUILT_IN } from '../registries/registries.js';
import { bindTask, buildModel } from '../run/prepare.js';
import type { BoundTask } from '../tasks/task.js';

/** `text` as an experiment file at `file`, with the built-in registries. */
export const parseTestExperiment = (text: string, file = '/virtual/t.yaml'): Promise<LoadedExperiment> =>
  parseExperimentText(text, file, { extensions: NO_PLUGINS.extensions });

/** The sequence task bound to `exp`'s mnist_sequences data. */
export function sequenceTaskOf(exp: LoadedExperiment, validates = true): BoundTask {
  const data = exp.config.data as MnistSequencesConfig;
  return bindTask(exp, BUILT_IN, { kind: 'sequence', classes: SEQUENCE_CLASSES, positions: data.max_len, blank: BLANK }, validates);
}

/** The model `xp run` builds for `exp` (mnist_sequences data: [H, W, 1] canvases). */
export function modelOf(exp: LoadedExperiment, task = sequenceTaskOf(exp)): tf.LayersModel {
  const data = exp.config.data as MnistSequencesConfig;
  return buildModel(exp, BUILT_IN, [data.canvas.height, data.canvas.width, 1], task);
}

/** A sequence model of `model` on a 28×84 canvas with 3 positions, seeded by `seed`. */
export async function sequenceModel(model: ModelConfig, seed = 7): Promise<tf.LayersModel> {
  const exp = await parseTestExperiment(`name: t\nseed: ${seed}\ndata: { type: mnist_sequences }\nmodel: ${JSON.stringify(model)}\n`);
  return modelOf(exp);
}

/** `exp`'s data, task and model, as `xp run` prepares them (without loading a backend or reading files). */
export async function prepareTest(exp: LoadedExperiment) {
  const c = exp.config;
  const data = await createDataBundle(c.data as MnistSequencesConfig, c.augment, c.seed, { variants: c.evaluation.variants });
  const task = sequenceTaskOf(exp, Object.hasOwn(data.info.splits, 'val'));
  return { c, data, task, model: modelOf(exp, task) };
}
