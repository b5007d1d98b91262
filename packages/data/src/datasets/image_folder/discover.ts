// Finding the images, their classes and their splits, without decoding anything: from class sub-folders,
// from train/ val/ test/ folders of class sub-folders, or from a manifest CSV. Every problem becomes a
// DataIssue naming the folder, file or manifest line, so `xp validate` can report all of them at once.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { createRng, permutation } from '../../rng.js';
import type { DataIssue } from '../dataset-type.js';
import type { ImageFolderConfig } from './schema.js';

/** File name endings TensorFlow's image decoders read. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.gif'];

export type SplitName = 'train' | 'val' | 'test';
const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** One image and its class. */
export interface ImageEntry {
  /** Absolute path. */
  file: string;
  label: number;
}

/** What a folder holds. */
export interface Discovery {
  /** Absolute path of `data.path`. */
  root: string;
  /** `folders`: class sub-folders; `splits`: train/ (val/ test/) folders of those; `manifest`: a `path,label` CSV. */
  layout: 'folders' | 'splits' | 'manifest';
  classes: string[];
  splits: Record<SplitName, ImageEntry[]>;
  issues: DataIssue[];
}

const isImage = (name: string) => IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** Sub-folders of `dir` (sorted by name, hidden ones left out). */
async function subFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** Image files anywhere under `dir` (sorted, so the order never depends on the file system). */
async function imagesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && isImage(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Reads the folder layout (or the manifest) and splits it; never decodes an image. */
export async function discover(config: ImageFolderConfig, baseDir: string, seed: number): Promise<Discovery> {
  const root = path.resolve(baseDir, config.path);
  const issues: DataIssue[] = [];
  const empty = (): Record<SplitName, ImageEntry[]> => ({ train: [], val: [], test: [] });
  if (!(await isDir(root))) {
    issues.push({ file: root, message: `data.path: no such folder; point it at a folder with one sub-folder of images per class (relative to the experiment file).` });
    return { root, layout: 'folders', classes: [], splits: empty(), issues };
  }
  let found: { layout: Discovery['layout']; classes: string[]; bySplit: Partial<Record<SplitName, ImageEntry[]>> };
  if (config.manifest) found = await fromManifest(root, path.resolve(baseDir, config.manifest), issues);
  else if (await isDir(path.join(root, 'train'))) found = await fromSplitFolders(root, issues);
  else found = await fromClassFolders(root, issues);

  const { classes, bySplit } = found;
  if (classes.length < 2 && issues.length === 0) {
    issues.push({
      file: found.layout === 'splits' ? path.join(root, 'train') : root,
      message: `found ${classes.length} class${classes.length === 1 ? '' : 'es'} (${classes.join(', ') || 'none'}); classification needs at least 2: one sub-folder of images per class.`,
    });
  }
  const total = Object.values(bySplit).reduce((n, e) => n + e.length, 0);
  if (total > config.max_images) {
    issues.push({
      file: root,
      message: `holds ${total} images, more than data.max_images (${config.max_images}); raise data.max_images if they fit in memory, or use a smaller folder.`,
    });
  }
  const { height, width, channels } = config.image;
  const mb = (total * height * width * channels * 4) / 2 ** 20;
  if (mb > config.max_memory_mb) {
    issues.push({
      file: root,
      message: `${total} images of ${height}×${width}×${channels} take ${Math.ceil(mb)} MB decoded, more than data.max_memory_mb (${config.max_memory_mb}); lower data.image, use fewer images or raise data.max_memory_mb.`,
    });
  }
  const splits = carveSplits(bySplit, classes.length, config, seed);
  if (splits.test.length === 0 && total > 0 && issues.length === 0) {
    issues.push({ file: root, message: 'the test split is empty: add a test/ folder or set data.test_fraction above 0 (with enough images per class).' });
  }
  return { root, layout: found.layout, classes, splits, issues };
}

async function fromClassFolders(root: string, issues: DataIssue[]) {
  const classes = await subFolders(root);
  const train: ImageEntry[] = [];
  for (const [label, name] of classes.entries()) {
    const files = await imagesUnder(path.join(root, name));
    if (files.length === 0) issues.push({ file: path.join(root, name), message: `class '${name}' has no images (${IMAGE_EXTENSIONS.join(' ')}); add some or remove the folder.` });
    for (const file of files) train.push({ file, label });
  }
  return { layout: 'folders' as const, classes, bySplit: { train } };
}

async function fromSplitFolders(root: string, issues: DataIssue[]) {
  const present: SplitName[] = [];
  for (const s of SPLITS) if (await isDir(path.join(root, s))) present.push(s);
  const classes = await subFolders(path.join(root, 'train'));
  const bySplit: Partial<Record<SplitName, ImageEntry[]>> = {};
  for (const s of present) {
    const entries: ImageEntry[] = [];
    for (const name of await subFolders(path.join(root, s))) {
      const label = classes.indexOf(name);
      const dir = path.join(root, s, name);
      if (label < 0) {
        issues.push({ file: dir, message: `class '${name}' is in ${s}/ but not in train/ (classes: ${classes.join(', ')}); rename or remove it.` });
        continue;
      }
      const files = await imagesUnder(dir);
      if (files.length === 0) issues.push({ file: dir, message: `class '${name}' has no images in ${s}/; add some or remove the folder.` });
      for (const file of files) entries.push({ file, label });
    }
    bySplit[s] = entries;
  }
  return { layout: 'splits' as const, classes, bySplit };
}

async function fromManifest(root: string, manifest: string, issues: DataIssue[]) {
  const none = { layout: 'manifest' as const, classes: [] as string[], bySplit: {} };
  const text = await readFile(manifest, 'utf8').catch(() => undefined);
  if (text === undefined) {
    issues.push({ file: manifest, message: 'data.manifest: cannot read this file; it should be a CSV of `path,label` rows.' });
    return none;
  }
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` each record comes with its line; the typings only know the plain form.
    rows = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof rows;
  } catch (e) {
    const err = e as { lines?: number; message: string };
    issues.push({ file: manifest, line: err.lines, message: `not valid CSV: ${err.message}` });
    return none;
  }
  if (rows.length && rows[0].record.join(',').toLowerCase() === 'path,label') rows = rows.slice(1);
  const listed: { file: string; name: string }[] = [];
  for (const { record, info } of rows) {
    if (record.length !== 2 || !record[0] || !record[1]) {
      issues.push({ file: manifest, line: info.lines, message: `expected 2 values \`path,label\`, got ${record.length}: ${JSON.stringify(record.join(','))}.` });
      continue;
    }
    const file = path.resolve(root, record[0]);
    if (!(await stat(file).catch(() => undefined))?.isFile()) {
      issues.push({ file: manifest, line: info.lines, message: `'${record[0]}' is not a file under ${root}; fix the path (relative to data.path) or remove the row.` });
      continue;
    }
    listed.push({ file, name: record[1] });
  }
  const classes = [...new Set(listed.map((l) => l.name))].sort();
  return { layout: 'manifest' as const, classes, bySplit: { train: listed.map((l) => ({ file: l.file, label: classes.indexOf(l.name) })) } };
}

/**
 * Holds out val and test from train where no folder gave them: per class (so each split keeps every class in
 * proportion), `round(n × fraction)` images, drawn with a seeded shuffle. Output lists are sorted by file.
 */
function carveSplits(bySplit: Partial<Record<SplitName, ImageEntry[]>>, numClasses: number, config: ImageFolderConfig, seed: number) {
  const out: Record<SplitName, ImageEntry[]> = { train: [], val: bySplit.val ?? [], test: bySplit.test ?? [] };
  const carveVal = !bySplit.val && config.val_fraction > 0;
  const carveTest = !bySplit.test && config.test_fraction > 0;
  const rng = createRng(seed, 'image-folder/split');
  for (let c = 0; c < numClasses; c++) {
    const items = (bySplit.train ?? []).filter((e) => e.label === c);
    const order = permutation(items.length, rng);
    const nTest = carveTest ? Math.round(items.length * config.test_fraction) : 0;
    const nVal = carveVal ? Math.round(items.length * config.val_fraction) : 0;
    order.forEach((k, i) => (i < nTest ? out.test : i < nTest + nVal ? out.val : out.train).push(items[k]));
  }
  const byFile = (a: ImageEntry, b: ImageEntry) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  for (const s of SPLITS) out[s].sort(byFile);
  return out;
}
