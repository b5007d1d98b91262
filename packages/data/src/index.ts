export { DataError, type DataErrorCode } from './errors.js';
export { createRng, permutation, type Rng } from './rng.js';
export { parseIdx, readIdxFile, type IdxArray } from './mnist/idx-reader.js';
export { cachedDownload, publicUrl, sha256, type DownloadOptions } from './mnist/mnist-download.js';
export {
  DEFAULT_CACHE_DIR,
  describeSource,
  DIGIT_SIZE,
  loadMnist,
  MNIST_FILES,
  mnistPackageDataDir,
  type DigitSet,
  type MnistDigits,
} from './mnist/mnist-source.js';
export { splitDigits, type DigitSplit } from './splits.js';
export {
  BLANK,
  digestSequences,
  NUM_CLASSES,
  selectSequences,
  synthesizeSequences,
  type SequenceSet,
  type SynthesisOptions,
} from './sequence-synth.js';
export { nativeBackend, projectiveTransform, type NativeBackend, type OpAttr, type TransformOptions } from './native-ops.js';
export {
  canvasSpec,
  digitsTensor,
  normalizePixels,
  renderCanvas,
  renderPixels,
  type CanvasSpec,
  type RenderAugments,
  type SequenceLayout,
} from './canvas-render.js';
export { applyAugment, augmentations, isDigitScope } from './augment/registry.js';
export type { AugmentContext, Augmentation, AugmentOptions } from './augment/augmentation.js';
export { affineRow, type AffineParams } from './augment/random-affine.js';
export { denseWarp } from './augment/dense-warp.js';
export { resolveVariants, VARIANT_SEED, variantAugments, variantName } from './eval-variants.js';
export {
  createDataBundle,
  prepareDigits,
  TEST_SEED,
  type Batch,
  type DataBundle,
  type DataBundleInfo,
  type DataBundleOptions,
  type DigitTensors,
  type SplitInfo,
} from './pipeline.js';
