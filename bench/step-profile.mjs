// Profiling tool for xp's training step (not part of `npm run bench`): one step of a benchmark model split into
// forward / loss / gradients / optimizer update, for several implementations measured interleaved in one process
// (so background load hits all alike):
//   tfjs        — the step as tfjs-layers and tfjs-node run it: model.apply, tf.losses.softmaxCrossEntropy, tfjs Adam;
//   xp          — the runner's step: trainingForward (native layer kernels), native loss, createOptimizer's optimizer;
//   xp-bf16     — the same under training.precision mixed_bfloat16 (bf16 convolutions and matmuls), with
//                 convolution, bias and ReLU as separate ops (training.conv_kernel: separate);
//   xp-fused, xp-bf16-fused — xp and xp-bf16 with convolutions as oneDNN's fused kernel (ForwardOptions.fusedConv;
//                 training.conv_kernel: fused, and xp-bf16-fused is what `auto` runs in bf16);
//   xp-fallback — xp with the layer classes of --fallback (default BatchNormalization) on their tfjs calls, as
//                 the step ran before those layers had native ops.
// A variant may name its model as `<variant>@<model>`: `baseline` or `final`, and `<model>+bn` for the same model
// with batch norm in every conv block (e.g. --variants xp@final,xp-fallback@final+bn,xp@final+bn).
// With --kernels it also lists the kernels one full step of each runs (count, total ms), to attribute the cost.
//
//   node bench/step-profile.mjs [--model baseline|final] [--batch 128] [--steps 20] [--kernels] [--top 25]
//                               [--variants tfjs,xp,xp-bf16,xp-fallback,xp-fused,xp-bf16-fused] [--fallback Class1,Class2]
//                               (default variants tfjs,xp; times are compared with the first)
//
// The phases are cumulative (each includes the previous ones); the differences are the phases' own costs.
// TensorFlow's eager CPU ops run synchronously, so wall time after an op returns includes its kernel.
/* global process, performance, console */
import * as tf from '@tensorflow/tfjs';
import { loadBackend } from '../packages/runner/dist/backend/native-backend.js';
import { observeNativeOps } from '../packages/runner/dist/training/native/exec.js';
import { trainingForward } from '../packages/runner/dist/training/native/training-forward.js';
import { createOptimizer } from '../packages/runner/dist/training/optimizer.js';
import { asSequenceOutputs, correctCounts, sequenceLoss } from '../packages/runner/dist/tasks/sequence/metrics.js';
import { intArg, median, parseArgs, threadInfo } from './lib.mjs';
import { buildSpec } from './spec.mjs';
import { benchModel } from './xp-model.mjs';

const args = parseArgs(process.argv.slice(2));
await loadBackend('tensorflow');
const spec = await buildSpec();
const which = args.model ?? 'baseline';
const batch = intArg(args, 'batch', 128);
const steps = intArg(args, 'steps', 20);
const { height, width } = spec.input;
const xs = tf.randomUniform([batch, height, width, 1], 0, 1, 'float32', 1);
const ys = tf.randomUniform([batch, spec.maxLen], 0, spec.numClasses, 'int32', 2);
const lengths = tf.randomUniform([batch], 1, spec.maxLen + 1, 'int32', 3);

/** The loss as it was before the native one: tfjs's composite softmax cross-entropy. */
function tfjsLoss(out) {
  return tf.tidy(() => {
    const onehot = tf.oneHot(ys, spec.numClasses);
    return tf.mean(tf.sum(tf.losses.softmaxCrossEntropy(onehot, out.digits, undefined, 0, tf.Reduction.NONE), -1));
  });
}

const fallback = String(args.fallback ?? 'BatchNormalization').split(',');

/** A benchmark model by name: `baseline`, `final`, or either with `+bn` (batch norm in every conv block). */
async function modelNamed(name) {
  const [base, extra] = name.split('+');
  if (extra === undefined) return (await benchModel(base)).model;
  if (extra !== 'bn') throw new Error(`model '${name}': the only variation is +bn`);
  const { exp } = await benchModel(base);
  const blocks = exp.config.model.blocks;
  if (!blocks) throw new Error(`model '${name}': ${base} has no conv blocks to add batch norm to`);
  return (await benchModel(base, blocks.map((_, i) => `model.blocks[${i}].batch_norm=true`))).model;
}

/** One implementation's phases, each a function returning a tensor to read (so the work is finished). */
async function variant(label) {
  const [name, modelName = which] = label.split('@');
  const model = await modelNamed(modelName);
  const tfjs = name === 'tfjs';
  const optimizer = tfjs ? tf.train.adam(spec.optimizer.learning_rate, spec.optimizer.beta1, spec.optimizer.beta2, spec.optimizer.epsilon) : createOptimizer(spec.optimizer);
  const vars = model.trainableWeights.map((w) => w.read());
  const precision = name.startsWith('xp-bf16') ? 'mixed_bfloat16' : 'float32';
  const tfjsClasses = name === 'xp-fallback' ? fallback : [];
  const fusedConv = name.endsWith('-fused');
  const fwd = tfjs ? (x) => model.apply(x, { training: true }) : trainingForward(model, { precision, tfjsClasses, fusedConv });
  const forward = () => asSequenceOutputs(fwd(xs));
  const lossOf = tfjs ? tfjsLoss : (out) => sequenceLoss(out, ys, lengths, 0);
  const step = () => {
    let counts = null;
    const cost = optimizer.minimize(() => {
      const out = forward();
      counts = tf.keep(correctCounts(out, ys, lengths));
      return lossOf(out);
    }, true, vars);
    counts.dispose();
    return cost;
  };
  return {
    name: label,
    phases: {
      forward: () => forward().digits,
      '+loss': () => lossOf(forward()),
      '+grads': () => {
        const { value, grads } = tf.variableGrads(() => lossOf(forward()), vars);
        tf.dispose(Object.values(grads));
        return value;
      },
      '+update (full step)': step,
    },
    step,
  };
}

function timeIt(f) {
  const t = performance.now();
  const r = tf.tidy(f);
  r.dataSync();
  r.dispose();
  return performance.now() - t;
}

const names = String(args.variants ?? 'tfjs,xp').split(',');
for (const n of names) {
  if (!['tfjs', 'xp', 'xp-bf16', 'xp-fallback', 'xp-fused', 'xp-bf16-fused'].includes(n.split('@')[0])) {
    throw new Error(`--variants: unknown '${n}'; expected tfjs, xp, xp-bf16, xp-fallback, xp-fused or xp-bf16-fused, optionally @<model>`);
  }
}
const variants = [];
for (const n of names) variants.push(await variant(n));
for (let i = 0; i < 3; i++) for (const v of variants) for (const f of Object.values(v.phases)) timeIt(f);
const times = variants.map((v) => Object.fromEntries(Object.keys(v.phases).map((k) => [k, []])));
for (let i = 0; i < steps; i++) {
  variants.forEach((v, j) => {
    for (const [k, f] of Object.entries(v.phases)) times[j][k].push(timeIt(f));
  });
}
const load = (await import('node:os')).loadavg()[0].toFixed(2);
console.log(`${names.every((n) => n.includes('@')) ? '' : `model ${which}, `}batch ${batch}, ${steps} interleaved rounds, load ${load}, threads ${JSON.stringify(threadInfo())}${names.some((n) => n.startsWith('xp-fallback')) ? `, xp-fallback on tfjs: ${fallback.join(',')}` : ''}`);
const vsFirst = variants.slice(1).map((v) => `${v.name}/${variants[0].name}`);
const colWidth = Math.max(20, ...variants.map((v) => v.name.length + 10));
console.log(`${'phase'.padEnd(22)} ${variants.map((v) => `${v.name} ms (own)`.padStart(colWidth)).join('')}   time ${vsFirst.join(', ')}`);
const prev = variants.map(() => 0);
for (const k of Object.keys(times[0])) {
  const meds = times.map((t) => median(t[k]));
  const cells = meds.map((ms, j) => `${ms.toFixed(1)} (${(ms - prev[j]).toFixed(1)})`.padStart(colWidth));
  meds.forEach((ms, j) => (prev[j] = ms));
  console.log(`${k.padEnd(22)} ${cells.join('')}   ${meds.slice(1).map((ms) => (ms / meds[0]).toFixed(2)).join(', ')}`);
}
console.log(`full step seq/s: ${variants.map((v, j) => `${v.name} ${((batch / median(times[j]['+update (full step)'])) * 1000).toFixed(0)}`).join(', ')}`);

if (args.kernels) {
  for (const v of variants) {
    // Kernels tfjs-node implements with other ops (e.g. Step) are listed with their inner ops too, so the sum
    // overcounts nested time. tf.profile sees only kernels run through tfjs's engine; the native ops (which
    // the xp step runs inside tape entries and the optimizer) are timed through the runner's observer hook.
    const rows = new Map();
    const add = (name, shapes, ms) => {
      const key = `${name} ${shapes}`;
      const r = rows.get(key) ?? { name, shapes, n: 0, ms: 0 };
      r.n++;
      r.ms += ms;
      rows.set(key, r);
    };
    observeNativeOps((op, inputs, ms) => add(`native:${op}`, JSON.stringify(inputs.map((t) => t.shape)), ms));
    const prof = await tf.profile(() => v.step().dispose());
    observeNativeOps(null);
    for (const k of prof.kernels) {
      const ms = await k.kernelTimeMs;
      add(k.name, JSON.stringify(k.inputShapes), typeof ms === 'number' ? ms : 0);
    }
    const sorted = [...rows.values()].sort((a, b) => b.ms - a.ms);
    const total = sorted.reduce((s, r) => s + r.ms, 0);
    const calls = sorted.reduce((s, r) => s + r.n, 0);
    console.log(`\n[${v.name}] ${calls} kernel calls in one full step, ${total.toFixed(1)} ms summed (nested calls overcount)`);
    for (const r of sorted.slice(0, intArg(args, 'top', 25))) {
      console.log(`${r.ms.toFixed(2).padStart(8)} ms ${String(r.n).padStart(4)}×  ${r.name.padEnd(26)} ${r.shapes.slice(0, 80)}`);
    }
    const byName = new Map();
    for (const r of sorted) byName.set(r.name, (byName.get(r.name) ?? 0) + r.n);
    console.log(`calls by kernel: ${[...byName.entries()].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ')}`);
  }
}
