// `xp predict <model> <inputs…>`: predictions of a trained model on image files or folders, CSV/JSON Lines
// rows, or stdin (`-`), one output line per input naming it, as JSON Lines or CSV on stdout. Inputs are read
// and predicted one batch at a time (with a progress bar on a terminal), so a large folder is never held whole.
import fs from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { ModelInputError } from '../model-use/errors.js';
import { parseModelRef } from '../model-use/model-ref.js';
import { loadPredictor, type Predictor } from '../model-use/predictor.js';
import { readRows, rowFormatOf, sniffRowFormat } from '../model-use/read-rows.js';
import { csvWriter, jsonlLine, type PredictionLine } from '../model-use/write-predictions.js';
import { trackingTarget } from '../run/tracking-target.js';

/** Options of `xp predict`. */
export interface PredictCommandOptions {
  format?: 'jsonl' | 'csv';
  topK?: number;
  batchSize?: number;
  /** Where predictions go (default stdout) and notes go (default stderr). */
  out?: (s: string) => void;
  log?: (msg: string) => void;
  /** The stream stdin (`-`) is read from; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

/** One input: an image (its file, or bytes read from stdin) or a table row, with the name its output line gets. */
type Item = { kind: 'image'; name: string; file?: string; bytes?: Uint8Array } | { kind: 'row'; name: string; row: Record<string, unknown> };

/** Image file extensions a folder is searched for (TensorFlow's decoders read these). */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.gif']);

/** Predicts `inputs` with the model `ref` names; returns the number of predictions written. */
export async function predictCommand(ref: string, inputs: string[], opts: PredictCommandOptions = {}): Promise<number> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const out = opts.out ?? ((s: string) => void process.stdout.write(s));
  const topK = positiveInt(opts.topK ?? 1, '--top-k');
  const batchSize = positiveInt(opts.batchSize ?? 64, '--batch-size');
  parseModelRef(ref); // a malformed reference fails before any file is read or server asked
  const items = await collectInputs(inputs, opts.stdin ?? process.stdin);
  const predictor = await loadPredictor(ref, { trackingUri: async () => (await trackingTarget(log)).url, log });
  try {
    checkKind(predictor, items);
    const write = opts.format === 'csv' ? csvWriter(out) : (p: PredictionLine) => out(jsonlLine(p));
    const bar = process.stderr.isTTY && items.length > batchSize ? new cliProgress.SingleBar({ stream: process.stderr, format: 'predict [{bar}] {value}/{total} | {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
    bar?.start(items.length, 0);
    try {
      for (let start = 0; start < items.length; start += batchSize) {
        const chunk = items.slice(start, start + batchSize);
        const predictions = await predictChunk(predictor, chunk, { topK, batchSize });
        predictions.forEach((p, i) => write({ input: chunk[i].name, ...p }));
        bar?.update(start + chunk.length);
      }
    } finally {
      bar?.stop();
    }
  } finally {
    predictor.dispose();
  }
  return items.length;
}

/** Predicts one chunk; a bad input is reported by its name (file, or file:line of a row). */
async function predictChunk(predictor: Predictor, chunk: Item[], o: { topK: number; batchSize: number }) {
  try {
    if (chunk[0].kind === 'row') return await predictor.predictRows(chunk.map((c) => (c as Extract<Item, { kind: 'row' }>).row), o);
    const bytes = await Promise.all(chunk.map((c) => imageBytes(c as Extract<Item, { kind: 'image' }>)));
    return await predictor.predictImages(bytes, o);
  } catch (e) {
    if (e instanceof ModelInputError && e.index !== undefined) throw new ModelInputError(e.kind, `${chunk[e.index].name}: ${e.message}`, { cause: e });
    throw e;
  }
}

async function imageBytes(item: Extract<Item, { kind: 'image' }>): Promise<Uint8Array> {
  if (item.bytes) return item.bytes;
  try {
    return await fs.readFile(item.file!);
  } catch (e) {
    throw new ModelInputError('image', `${item.name}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Images to an image model, rows to a table model; anything else is the user's mistake. */
function checkKind(predictor: Predictor, items: Item[]): void {
  const input = predictor.info.input;
  const wrong = items.find((i) => (input.kind === 'image') !== (i.kind === 'image'));
  if (!wrong) return;
  throw new ModelInputError(
    'input',
    input.kind === 'image'
      ? `${wrong.name}: the model reads images (${input.shape.join('×')}), not table rows; give image files or folders`
      : `${wrong.name}: the model reads table rows (columns ${input.columns.join(', ')}); give a CSV, TSV, JSON Lines or JSON file`,
  );
}

function positiveInt(v: number, flag: string): number {
  if (!Number.isInteger(v) || v < 1) throw new ModelInputError('input', `${flag} must be a positive whole number, got ${v}`);
  return v;
}

/** Files, folders (searched for images, sorted) and `-` (stdin: one image, or rows) into items, in the order given. */
async function collectInputs(inputs: string[], stdin: NodeJS.ReadableStream): Promise<Item[]> {
  if (inputs.length === 0) throw new ModelInputError('input', 'give at least one input: image files or folders, a CSV/JSON Lines file of rows, or - for stdin');
  const items: Item[] = [];
  for (const arg of inputs) {
    if (arg === '-') {
      items.push(...fromBytes('-', await readAll(stdin)));
      continue;
    }
    const st = await fs.stat(arg).catch(() => undefined);
    if (!st) throw new ModelInputError('input', `${arg}: no such file or folder`);
    if (st.isDirectory()) {
      const found = await imagesUnder(arg);
      if (!found.length) throw new ModelInputError('input', `${arg}: no images (${[...IMAGE_EXTENSIONS].join(', ')}) in this folder`);
      items.push(...found.map((f) => ({ kind: 'image' as const, name: f, file: f })));
    } else if (rowFormatOf(arg)) {
      const { rows, lines } = readRows(await fs.readFile(arg, 'utf8'), rowFormatOf(arg)!, arg);
      if (!rows.length) throw new ModelInputError('rows', `${arg}: no rows`);
      items.push(...rows.map((row, i) => ({ kind: 'row' as const, name: `${arg}:${lines[i]}`, row })));
    } else {
      items.push({ kind: 'image', name: arg, file: arg });
    }
  }
  return items;
}

/** Stdin's bytes as one image (PNG, JPEG, GIF or BMP by their signatures) or as rows of text. */
function fromBytes(name: string, bytes: Buffer): Item[] {
  if (bytes.length === 0) throw new ModelInputError('input', `${name}: stdin is empty`);
  const sig = (s: number[]) => s.every((b, i) => bytes[i] === b);
  // BMP's `BM` could start a CSV header; its next 4 bytes (the file size) make it certain.
  const bmp = sig([0x42, 0x4d]) && bytes.length >= 6 && bytes.readUInt32LE(2) === bytes.length;
  if (sig([0x89, 0x50, 0x4e, 0x47]) || sig([0xff, 0xd8, 0xff]) || sig([0x47, 0x49, 0x46, 0x38]) || bmp) return [{ kind: 'image', name, bytes }];
  const text = bytes.toString('utf8');
  const { rows, lines } = readRows(text, sniffRowFormat(text), 'stdin');
  return rows.map((row, i) => ({ kind: 'row', name: `${name}:${lines[i]}`, row }));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts);
}

/** Image files below `dir` (recursively), sorted by path. */
async function imagesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
