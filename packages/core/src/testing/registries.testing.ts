// Core knows no dataset or model; its loader is tested with the real mnist_sequences dataset and the two CNNs'
// schemas and rules, imported from their packages' sources (a test-only link: core's build never sees it).
import { checkMnistSequences } from '../../../data/src/datasets/mnist_sequences/checks.js';
import { MnistSequencesSchema, type MnistSequencesConfig } from '../../../data/src/datasets/mnist_sequences/schema.js';
import { baselineCnn } from '../../../models/src/baseline-cnn/build.js';
import { multiheadCnn } from '../../../models/src/multihead-cnn/build.js';
import { loadExperiment as load, parseExperimentText as parse, type LoadOptions } from '../loader.js';
import type { SchemaExtensions } from '../schema/experiment.js';
import { loadSweep as loadSweepFile, parseSweepText as parseSweep, type SweepLoadOptions } from '../sweep/load-sweep.js';

const models = { 'baseline-cnn': baselineCnn, 'multihead-cnn': multiheadCnn } as const;

/** The registries core's tests load experiments with. */
export const REGISTRIES: SchemaExtensions = {
  datasets: { mnist_sequences: MnistSequencesSchema },
  models: { 'baseline-cnn': baselineCnn.schema, 'multihead-cnn': multiheadCnn.schema },
  checks: [
    (c) => checkMnistSequences(c.data as MnistSequencesConfig),
    (c) => models[c.model.type as keyof typeof models].checks?.(c.model as never, [(c.data as MnistSequencesConfig).canvas.height, (c.data as MnistSequencesConfig).canvas.width, 1]) ?? [],
  ],
};

/** `opts.extensions` added to {@link REGISTRIES} (callbacks merged), as the runner composes plugins with built-ins. */
export function withRegistries(ext?: SchemaExtensions): SchemaExtensions {
  if (!ext || ext === REGISTRIES) return REGISTRIES;
  // One object per extension set: core compiles a validator per extensions object.
  let merged = cache.get(ext);
  if (!merged) cache.set(ext, (merged = { ...REGISTRIES, ...ext, checks: [...(REGISTRIES.checks ?? []), ...(ext.checks ?? [])] }));
  return merged;
}
const cache = new WeakMap<SchemaExtensions, SchemaExtensions>();

/** The loader with {@link REGISTRIES}. */
export const loadExperiment = (file: string, opts: LoadOptions = {}) => load(file, { ...opts, extensions: withRegistries(opts.extensions) });
/** The loader with {@link REGISTRIES}. */
export const parseExperimentText = (text: string, file: string, opts: LoadOptions = {}) => parse(text, file, { ...opts, extensions: withRegistries(opts.extensions) });
/** The sweep loader with {@link REGISTRIES}. */
export const loadSweep = (file: string, opts: SweepLoadOptions = {}) => loadSweepFile(file, { ...opts, extensions: withRegistries(opts.extensions) });
/** The sweep loader with {@link REGISTRIES}. */
export const parseSweepText = (text: string, file: string, opts: SweepLoadOptions = {}) => parseSweep(text, file, { ...opts, extensions: withRegistries(opts.extensions) });
