// Reading a model folder as `log-model.ts` writes it: `model.json` + weights (tfjs layers format) and
// `preprocessing.json` (the task, its target, the input spec, and the dataset type's fitted preprocessing).
// Checked here once, so the predictor works on typed values and a broken folder is one clear error.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { InputSpec, TablePreprocessing, TargetSpec } from '@xp/data';
import { ModelInputError } from './errors.js';

/** How images are brought to the model's input: size, colour, fit, placement and normalisation. */
export interface ImagePreprocessing {
  height: number;
  width: number;
  channels: 1 | 3;
  /** `pad`: scale to fit and fill the rest with `background`; `crop`: scale to cover and cut the centre. */
  resize: 'pad' | 'crop';
  /** Where a padded image sits: centred, or against the left edge (vertically centred), as digit sequences are drawn. */
  align: 'center' | 'left';
  /** The fill of padded pixels, in [0,1] before normalisation. */
  background: number;
  /** Per-channel (or one) mean and std of [0,1] pixels: the model sees (x − mean) / std. */
  mean: number[];
  std: number[];
}

/** A model folder's `preprocessing.json`, typed. */
export interface ModelPreprocessing {
  /** The task's registry name (`classification`, `sequence`, `regression`, …). */
  task: string;
  target: TargetSpec;
  input: InputSpec;
  /** Set for image models. */
  image?: ImagePreprocessing;
  /** Set for table models: the column encoders `encodeRows` applies. */
  table?: TablePreprocessing;
  /** The file as written, for what this type does not name. */
  raw: Record<string, unknown>;
}

/** The files a model folder must hold. */
export const MODEL_FILES = ['model.json', 'preprocessing.json'] as const;

/** Reads and checks `dir/preprocessing.json`; throws ModelInputError (kind `model`) naming what is missing. */
export async function readPreprocessing(dir: string): Promise<ModelPreprocessing> {
  for (const f of MODEL_FILES) {
    try {
      await fs.access(path.join(dir, f));
    } catch {
      throw new ModelInputError('model', `${dir} is not an xp model folder: ${f} is missing (a model folder holds ${MODEL_FILES.join(', ')} and the weights)`);
    }
  }
  const file = path.join(dir, 'preprocessing.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ModelInputError('model', `${file}: not valid JSON (${(e as Error).message})`);
  }
  return parsePreprocessing(raw, file);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nums = (v: unknown): number[] | undefined =>
  typeof v === 'number' ? [v] : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;

/**
 * The target as a TargetSpec. A table's preprocessing names its target encoding `target` too (and, spread last
 * into the file, that is what the file holds): a categorical encoding is a class target, a numeric one a value.
 */
function targetSpec(t: Record<string, unknown>): TargetSpec {
  if (t.kind === 'categorical') return { kind: 'class', classes: t.classes as string[] };
  if (t.kind === 'numeric') return { kind: 'values', names: [t.name as string], mean: [t.mean as number], std: [t.std as number] };
  return t as TargetSpec;
}

/** Types a parsed `preprocessing.json` (`file` names it in errors). Pure. */
export function parsePreprocessing(raw: Record<string, unknown>, file = 'preprocessing.json'): ModelPreprocessing {
  const bad = (what: string) => new ModelInputError('model', `${file}: ${what}; was the model saved by an older xp? Re-run the experiment to save it again.`);
  if (typeof raw.task !== 'string') throw bad('no `task`');
  if (!isObj(raw.target) || typeof raw.target.kind !== 'string') throw bad('no `target`');
  if (!isObj(raw.input) || typeof raw.input.kind !== 'string' || !Array.isArray(raw.input.shape)) throw bad('no `input`');
  const out: ModelPreprocessing = { task: raw.task, target: targetSpec(raw.target), input: raw.input as InputSpec, raw };
  if (raw.input.kind === 'image') {
    const img = raw.image;
    const norm = raw.normalize;
    if (!isObj(img) || typeof img.height !== 'number' || typeof img.width !== 'number') throw bad('an image model without `image: {height, width, channels}`');
    if (!isObj(norm)) throw bad('an image model without `normalize: {mean, std}`');
    const mean = nums(norm.mean);
    const std = nums(norm.std);
    if (!mean || !std) throw bad('`normalize.mean` and `normalize.std` must be numbers or lists of numbers');
    const channels = img.channels === 3 ? 3 : 1;
    out.image = {
      height: img.height,
      width: img.width,
      channels,
      resize: raw.resize === 'crop' ? 'crop' : 'pad',
      align: raw.align === 'left' ? 'left' : 'center',
      background: typeof raw.background === 'number' ? raw.background : 0,
      mean,
      std,
    };
  } else if (raw.type === 'table') {
    if (!Array.isArray(raw.columns) || !Array.isArray(raw.encoded)) throw bad('a table model without `columns` and `encoded`');
    out.table = raw as unknown as TablePreprocessing;
  }
  return out;
}
