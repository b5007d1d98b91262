// The benchmark's xp models, built the way `xp run` builds them (packages/runner/src/run/prepare.ts): the
// architecture's trunk from the models registry plus the head of the sequence task bound to the mnist_sequences
// target, with the experiment's seed. The same as the runner's test helpers (testing/experiment.testing.ts).
import { BLANK, SEQUENCE_CLASSES } from '../packages/data/dist/index.js';
import { BUILT_IN } from '../packages/runner/dist/registries/registries.js';
import { bindTask, buildModel } from '../packages/runner/dist/run/prepare.js';
import { loadExp, MODEL_FILES } from './spec.mjs';

/** The sequence task bound to `exp`'s mnist_sequences data (label smoothing from training.label_smoothing). */
export function sequenceTaskOf(exp, validates = true) {
  const data = exp.config.data;
  return bindTask(exp, BUILT_IN, { kind: 'sequence', classes: SEQUENCE_CLASSES, positions: data.max_len, blank: BLANK }, validates);
}

/** The model `xp run` builds for `exp` (mnist_sequences data: [H, W, 1] canvases). */
export function modelOf(exp, task = sequenceTaskOf(exp)) {
  const { height, width } = exp.config.data.canvas;
  return buildModel(exp, BUILT_IN, [height, width, 1], task);
}

/** `exp`'s task and model. `validates`: whether training validates (only the task's headline depends on it). */
export function prepareModel(exp, validates = true) {
  const task = sequenceTaskOf(exp, validates);
  return { task, model: modelOf(exp, task) };
}

/** One of the benchmark's models (`baseline` or `final`, see MODEL_FILES) with its experiment and task. */
export async function benchModel(which, overrides = []) {
  if (!Object.hasOwn(MODEL_FILES, which)) throw new Error(`unknown model '${which}'; expected ${Object.keys(MODEL_FILES).join(' or ')}`);
  const exp = await loadExp(MODEL_FILES[which], overrides);
  return { exp, ...prepareModel(exp) };
}
