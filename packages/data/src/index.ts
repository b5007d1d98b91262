export { DataError, DataFileError, formatDataIssue, type DataErrorCode, type DataFileIssue } from './errors.js';
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
} from './datasets/mnist_sequences/sequence-synth.js';
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
} from './datasets/mnist_sequences/canvas-render.js';
export { applyAugment, augmentations, isDigitScope } from './augment/registry.js';
export type { AugmentContext, Augmentation, AugmentOptions } from './augment/augmentation.js';
export { affineRow, type AffineParams } from './augment/random-affine.js';
export { denseWarp } from './augment/dense-warp.js';
export { resolveVariants, VARIANT_SEED, variantAugments, variantName } from './eval-variants.js';
export {
  createDataBundle,
  prepareDigits,
  SEQUENCE_CLASSES,
  TEST_SEED,
  type DataBundleOptions,
  type DigitTensors,
  type SequenceBundle,
} from './datasets/mnist_sequences/prepare.js';
export { mnistSequences, type PreloadedMnist } from './datasets/mnist_sequences/index.js';
export { MnistSequencesSchema, type MnistSequencesConfig } from './datasets/mnist_sequences/schema.js';
export { MnistSourceSchemas, mnistSourceField, type MnistSourceConfig } from './mnist/source-schema.js';
export { datasetTypes } from './datasets/registry.js';
export {
  DEFAULT_TASK,
  disposeBatch,
  type Batch,
  type DataBundle,
  type DataIssue,
  type DatasetInfo,
  type DatasetType,
  type InputSpec,
  type InspectContext,
  type PrepareContext,
  type SplitInfo,
  type TargetSpec,
} from './datasets/dataset-type.js';
export { tableDataset, TableDataSchema, encodeRows, EncodeError, UNSEEN, type TableConfig, type TablePreprocessing } from './datasets/table/index.js';
export { decodeToSpec, loadDecoders, type ImageSpec } from './datasets/image_folder/decode.js';
