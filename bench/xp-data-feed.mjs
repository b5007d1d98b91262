// Streams xp's own input pipeline to the Python runners of the time-to-accuracy benchmark, so Keras and PyTorch
// train on exactly the sequences (and augmented pixels) xp trains on, epoch by epoch, instead of on a
// re-implementation of the augmentation.
//
//   node bench/xp-data-feed.mjs --split train|val --epochs N --batch B [--set key=value …]
//
// stdout: one JSON header line {height, width, maxLen, count, batch}, then for every batch a little-endian uint32
// n followed by n·H·W float32 pixels and n·maxLen int32 labels (10 = blank); a 0 ends each epoch.
/* global process, Buffer */
import { loadBackend } from '../packages/runner/dist/backend/native-backend.js';
import { createDataBundle, disposeBatch } from '../packages/data/dist/index.js';
import { intArg, parseArgs } from './lib.mjs';
import { loadConfig, RECIPE_FILE } from './spec.mjs';

const out = process.stdout;
// The reader closing the pipe early (target reached) is the normal way for a feed to end.
out.on('error', (e) => process.exit(e.code === 'EPIPE' ? 0 : 1));

function write(buf) {
  return out.write(buf) ? Promise.resolve() : new Promise((resolve) => out.once('drain', resolve));
}

const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const split = args.split ?? 'train';
  const epochs = intArg(args, 'epochs', 1);
  const batch = intArg(args, 'batch', 128);
  await loadBackend('tensorflow');
  const c = await loadConfig(RECIPE_FILE, args.set);
  const bundle = await createDataBundle(c.data, c.augment, c.seed);
  const { height, width } = c.data.canvas;
  await write(`${JSON.stringify({ height, width, maxLen: c.data.max_len, count: bundle.count(split), batch })}\n`);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const b of bundle.batches(split, batch, epoch)) {
      const n = b.ys.shape[0];
      const [xs, ys] = await Promise.all([b.xs.data(), b.ys.data()]);
      disposeBatch(b);
      await write(u32(n));
      await write(Buffer.from(xs.buffer, xs.byteOffset, xs.byteLength));
      await write(Buffer.from(ys.buffer, ys.byteOffset, ys.byteLength));
    }
    await write(u32(0));
  }
  bundle.dispose();
}

await main();
