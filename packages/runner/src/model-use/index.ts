// Using trained models: references, resolution into the local cache, and the predictor `xp predict`,
// `xp serve` and `xp evaluate` share.
export { ModelInputError, isModelInputError, type ModelInputErrorKind } from './errors.js';
export { formatModelRef, parseModelRef, type ModelRef } from './model-ref.js';
export { modelCacheDir, resolveModel, type ResolvedModel, type ResolveOptions } from './resolve-model.js';
export { parsePreprocessing, readPreprocessing, type ImagePreprocessing, type ModelPreprocessing } from './model-files.js';
export {
  loadPredictor,
  type LoadPredictorOptions,
  type ModelInfo,
  type ModelInput,
  type Prediction,
  type PredictOptions,
  type Predictor,
  type ScoredLabel,
} from './predictor.js';
