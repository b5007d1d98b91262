import type { ModelType } from './model-type.js';
import { baselineCnn } from './baseline-cnn/build.js';
import { multiheadCnn } from './multihead-cnn/build.js';
import { mlpModel } from './mlp/index.js';
import { layersModel } from './layers/build.js';

/**
 * Every built-in architecture, keyed by its `model.type` name. Adding a model means adding its folder and one
 * line here. A plain const map rather than a global filled by import side effects, so the set is visible here;
 * `--plugin` entries are merged in by the runner, never into this object.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own schema
export const modelTypes: Readonly<Record<string, ModelType<any>>> = {
  'baseline-cnn': baselineCnn,
  'multihead-cnn': multiheadCnn,
  mlp: mlpModel,
  layers: layersModel,
};
