#!/usr/bin/env bash
# Checks the GPU build (XP_TF_VARIANT=gpu) on any machine, GPU or not. NOT part of CI: it fetches the
# `tensorflow` 2.21 wheel (~570 MB) and the nvidia-*-cu12 runtime wheels (~3 GB) the first time.
#
# It builds the gpu variant into a scratch copy of @tensorflow/tfjs-node-gpu (the project's own addon, in
# node_modules, is left as it is), loads it, and trains a tiny model. On a machine without a GPU, TensorFlow
# finds no CUDA device and runs its CPU kernels: that fallback is what this proves here. With a GPU, the
# same run should list a GPU device (the "devices" line).
#
#   bash scripts/check-gpu-build.sh            # scratch dir: ${TMPDIR:-/tmp}/xp-gpu-check (XP_GPU_CHECK_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SCRATCH="${XP_GPU_CHECK_DIR:-${TMPDIR:-/tmp}/xp-gpu-check}"
PKG="$SCRATCH/node_modules/@tensorflow/tfjs-node-gpu"

echo "[gpu check] copying @tensorflow/tfjs-node-gpu to $PKG (without its built addon and libraries)"
rm -rf "$PKG"
mkdir -p "$(dirname "$PKG")"
cp -a node_modules/@tensorflow/tfjs-node-gpu "$PKG"
rm -rf "$PKG/lib" "$PKG/deps" "$PKG/build"

# The copy resolves its own dependencies (@tensorflow/tfjs, node-pre-gyp, …) from the project's node_modules.
export NODE_PATH="$ROOT/node_modules"
start=$(date +%s)
XP_TF_VARIANT=gpu XP_TF_SOURCE=wheel XP_TFJS_PKG_DIR="$PKG" node scripts/setup-native-tf.mjs
echo "[gpu check] setup took $(( $(date +%s) - start )) s"
echo "[gpu check] marker: $(cat "$PKG/deps/xp-source.json")"

echo "[gpu check] loading the gpu build and training a tiny model…"
node - "$PKG" <<'JS'
const tf = require(process.argv[2]);
const b = tf.backend();
const devices = b.isUsingGpuDevice ? 'GPU (and CPU)' : 'CPU only (no CUDA device: TensorFlow\'s CPU fallback)';
console.log(`[gpu check] backend ${tf.getBackend()}, TensorFlow ${b.binding.TF_Version}, devices: ${devices}`);
if (tf.getBackend() !== 'tensorflow') throw new Error('the native backend did not load');
// Which CUDA libraries the process loaded, and from where: the nvidia-*-cu12 wheels' copies, found through
// the RUNPATH of the tensorflow wheel's libraries. (cuDNN, cuBLAS, … load only once a GPU is in use.)
const maps = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).filter((p) => p && /\/nvidia\//.test(p));
console.log(`[gpu check] CUDA libraries loaded: ${[...new Set(maps)].join(', ') || 'none'}`);
const model = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
  tf.layers.flatten(), tf.layers.dense({ units: 10, activation: 'softmax' }),
] });
model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
const xs = tf.randomUniform([256, 28, 28, 1], 0, 1, 'float32', 1);
const ys = tf.oneHot(tf.randomUniform([256], 0, 10, 'int32', 2), 10);
model.fit(xs, ys, { epochs: 5, batchSize: 64, verbose: 0 }).then((h) => {
  const loss = h.history.loss.map((l) => Number(l.toFixed(4)));
  console.log(`[gpu check] trained 5 epochs: loss ${loss.join(' → ')}`);
  if (!(loss.at(-1) < loss[0])) throw new Error('the loss did not go down');
  console.log('[gpu check] OK: the gpu build loads and trains');
});
JS
