// xp's side of the benchmark: one measurement per process (so peak RSS belongs to that measurement), printed as
// JSON lines. Everything runs through the project's compiled packages: models built as `xp run` builds them
// (the architecture's trunk plus the sequence task's head, see xp-model.mjs), training through the runner's own train() (the loop `xp run` uses), data through @xp/data's pipeline.
//
//   node bench/xp-bench.mjs <task> [options]      (run.mjs calls this; see bench/README.md)
//   tasks: throughput | scaling | pipeline | inference | mlflow | tta
/* global process, performance, console */
import * as tf from '@tensorflow/tfjs';
import { backendBanner, loadBackend } from '../packages/runner/dist/backend/native-backend.js';
import { CallbackList } from '../packages/runner/dist/callbacks/callback-list.js';
import { resolveConvKernel } from '../packages/runner/dist/training/native/conv-kernel.js';
import { resolvePrecision } from '../packages/runner/dist/training/native/precision.js';
import { train } from '../packages/runner/dist/training/trainer.js';
import { createOptimizer } from '../packages/runner/dist/training/optimizer.js';
import { createDataBundle, disposeBatch } from '../packages/data/dist/index.js';
import { emit, intArg, median, parseArgs, percentile, round, setEmitBase, sliceRates, slicePlan, threadInfo } from './lib.mjs';
import { benchModel, prepareModel } from './xp-model.mjs';
import { BENCH_BATCH, buildSpec, loadConfig, loadExp, MODEL_FILES, RECIPE_FILE } from './spec.mjs';

const log = (m) => process.stderr.write(`[xp-bench] ${m}\n`);

/**
 * `--precision mixed_bfloat16` (xp-bf16; default: `configured`, the recipe's): resolved as `xp run` resolves training.precision, but never falling back,
 * so a number labelled bf16 is one. `--conv-kernel auto|fused|separate` (default: `configuredKernel`, the
 * experiment file's training.conv_kernel) as xp run resolves it. Returns the precision, whether convolutions
 * fuse, and the runner's name in the records.
 */
function precisionOf(args, configured, configuredKernel) {
  const precision = resolvePrecision({ precision: args.precision ?? configured, precision_fallback: 'error' }, log);
  const fusedConv = resolveConvKernel(args['conv-kernel'] ?? configuredKernel, precision, log);
  return { precision, fusedConv, runner: precision === 'mixed_bfloat16' ? 'xp-bf16' : 'xp' };
}

/**
 * A BatchSource of `batches` copies of one random batch: the training step alone, with no input pipeline cost
 * (Keras and PyTorch get the same: one resident batch repeated). The trainer disposes each batch, so every
 * yield is a clone, which shares the resident tensor's buffer.
 */
function syntheticSource(spec, batchSize, batches) {
  const { height, width } = spec.input;
  const xs = tf.randomUniform([batchSize, height, width, 1], 0, 1, 'float32', 1);
  const ys = tf.randomUniform([batchSize, spec.maxLen], 0, spec.numClasses, 'int32', 2);
  const lengths = tf.randomUniform([batchSize], 1, spec.maxLen + 1, 'int32', 3);
  return {
    count: () => batches * batchSize,
    *batches() {
      for (let i = 0; i < batches; i++) yield { xs: xs.clone(), ys: ys.clone(), extras: { lengths: lengths.clone() } };
    },
    dispose: () => tf.dispose([xs, ys, lengths]),
  };
}

/** The first `batches` batches of a real bundle's training split (a timed run needs no full epoch). */
function limitedSource(bundle, batchSize, batches) {
  const available = Math.ceil(bundle.count('train') / batchSize);
  if (available < batches) throw new Error(`the training split has ${available} batches of ${batchSize}; the plan needs ${batches}`);
  return {
    count: () => batches * batchSize,
    *batches(split, bs, epoch) {
      let i = 0;
      for (const b of bundle.batches(split, bs, epoch)) {
        yield b;
        if (++i >= batches) return;
      }
    },
  };
}

/** A callback recording when each batch ends (train() reads the loss every batch, so the step is finished). */
function batchTimer() {
  return { name: 'bench_timer', ends: [], onBatchEnd() { this.ends.push(performance.now()); } };
}

function planFrom(args, d) {
  return slicePlan(intArg(args, 'warmup', d.warmup), intArg(args, 'slices', d.slices), intArg(args, 'slice-batches', d.sliceBatches));
}

/**
 * Trains `model` on `source` for one epoch of `plan.batches` batches and returns the slice rates, and the live
 * tensor count before, after the epoch (+ Adam's two scalars and two slots per weight) and after the optimizer
 * is disposed: `leaked` is what training left behind.
 */
async function timedEpoch(spec, model, task, source, batchSize, plan, precision = 'float32', fusedConv = false) {
  const before = tf.memory().numTensors;
  const optimizer = createOptimizer(spec.optimizer);
  const timer = batchTimer();
  const result = await train({
    model, optimizer, task, data: source, epochs: 1, batchSize, evalBatchSize: 512, validate: false, callbacks: new CallbackList([timer]), precision, fusedConv,
  });
  optimizer.dispose();
  const rates = sliceRates(timer.ends, plan, batchSize);
  const after = tf.memory().numTensors;
  return { rates, tensors: { before_training: before, after_epoch: result.tensorsPerEpoch.at(-1), after_optimizer_dispose: after, leaked: after - before } };
}

async function throughput(args, backend) {
  const spec = await buildSpec();
  const which = args.model ?? 'final';
  const batchSize = intArg(args, 'batch', BENCH_BATCH);
  const plan = planFrom(args, { warmup: 10, slices: 7, sliceBatches: 8 });
  // The model's own file says which convolution kernels xp run would use (its precision is the runner's, float32 unless --precision).
  const configuredKernel = (await loadConfig(MODEL_FILES[which])).training.conv_kernel;
  const { precision, fusedConv, runner } = backend === 'cpu' ? { precision: 'float32', fusedConv: false, runner: 'tfjs-cpu' } : precisionOf(args, 'float32', configuredKernel);
  const { model, task } = await benchModel(which);
  const source = syntheticSource(spec, batchSize, plan.batches);
  const { rates, tensors } = await timedEpoch(spec, model, task, source, batchSize, plan, precision, fusedConv);
  emit({
    kind: 'throughput', runner, model: which, precision, conv_kernel: fusedConv ? 'fused' : 'separate', batch: batchSize, params: model.countParams(),
    seq_per_s: round(median(rates), backend === 'cpu' ? 2 : 1), slices: rates.map((r) => round(r, 2)), plan, tensors,
    threads: backend === 'cpu' ? { js: 'one JavaScript thread (the cpu backend does not use TF threads)' } : threadInfo(),
  });
  source.dispose();
  model.dispose();
}

/** End-to-end xp training (real pipeline with the recipe's augmentation) at one batch size and dataset size. */
async function scaling(args) {
  const spec = await buildSpec();
  const batchSize = intArg(args, 'batch', BENCH_BATCH);
  const trainCount = intArg(args, 'train-count', 50_000);
  const plan = planFrom(args, { warmup: 5, slices: 5, sliceBatches: 6 });
  const exp = await loadExp(RECIPE_FILE, [...args.set, `data.train.count=${trainCount}`]);
  const c = exp.config;
  const bundle = await createDataBundle(c.data, c.augment, c.seed);
  const { model, task } = prepareModel(exp, false);
  const { rates, tensors } = await timedEpoch(spec, model, task, limitedSource(bundle, batchSize, plan.batches), batchSize, plan);
  emit({
    kind: 'scaling', runner: 'xp', model: 'final', batch: batchSize, train_count: trainCount, seq_per_s: round(median(rates)),
    slices: rates.map((r) => round(r)), plan, tensors, threads: threadInfo(),
  });
  bundle.dispose();
  model.dispose();
}

/** The input pipeline alone: batches of the recipe's training split, augmentation included, nothing trained. */
async function pipeline(args) {
  const batchSize = intArg(args, 'batch', BENCH_BATCH);
  const plan = planFrom(args, { warmup: 3, slices: 7, sliceBatches: 10 });
  const c = (await loadExp(RECIPE_FILE, args.set)).config;
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const bundle = await createDataBundle(c.data, c.augment, c.seed);
  const setupS = (performance.now() - t0) / 1000;
  const ends = [];
  let i = 0;
  for (const b of limitedSource(bundle, batchSize, plan.batches).batches('train', batchSize, 0)) {
    // tfjs-node executes ops eagerly; reading one scalar makes sure the canvas really exists before the clock stops.
    const probe = tf.sum(b.xs);
    probe.dataSync();
    probe.dispose();
    disposeBatch(b);
    ends[i++] = performance.now();
  }
  const rates = sliceRates(ends, plan, batchSize);
  const during = tf.memory().numTensors;
  bundle.dispose();
  emit({
    kind: 'pipeline', runner: 'xp', batch: batchSize, augment: c.augment.map((a) => `${a.type}(${a.scope ?? 'canvas'})`).join(', '),
    train_count: c.data.train.count, setup_s: round(setupS, 2), seq_per_s: round(median(rates)), slices: rates.map((r) => round(r)), plan,
    tensors: { before, after_batches: during, after_bundle_dispose: tf.memory().numTensors }, threads: threadInfo(),
  });
}

/** model.predict of the final model: latency at batch 1, throughput at batch 256. */
async function inference(args) {
  const spec = await buildSpec();
  const { model } = await benchModel('final');
  const { height, width } = spec.input;
  const timeOne = async (x) => {
    const t = performance.now();
    const out = model.predict(x);
    await out.data();
    out.dispose();
    return performance.now() - t;
  };
  const measure = async (batch, warmup, n) => {
    const x = tf.randomUniform([batch, height, width, 1]);
    for (let i = 0; i < warmup; i++) await timeOne(x);
    const ms = [];
    for (let i = 0; i < n; i++) ms.push(await timeOne(x));
    x.dispose();
    return ms;
  };
  const before = tf.memory().numTensors;
  const lat = await measure(1, 10, intArg(args, 'latency-n', 200));
  const thr = await measure(256, 2, intArg(args, 'throughput-n', 15));
  emit({
    kind: 'inference', runner: 'xp', model: 'final', params: model.countParams(),
    latency_b1_ms: { median: round(median(lat), 2), p90: round(percentile(lat, 90), 2), n: lat.length },
    throughput_b256_seq_per_s: round(256 / (median(thr) / 1000)), throughput_n: thr.length,
    tensors: { before, after: tf.memory().numTensors }, threads: threadInfo(),
  });
  model.dispose();
}

const tasks = {
  throughput, scaling, pipeline, inference,
  mlflow: async (args) => (await import('./xp-mlflow.mjs')).mlflowOverhead(args, { syntheticSource }),
  'system-metrics': async (args) => (await import('./xp-system-metrics.mjs')).systemMetricsOverhead(args, { syntheticSource }),
  tta: async (args) => (await import('./xp-tta.mjs')).timeToAccuracy(args, { precisionOf }),
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const task = args._[0];
  if (!Object.hasOwn(tasks, task)) {
    console.error(`usage: node bench/xp-bench.mjs <${Object.keys(tasks).join('|')}> [options]; got '${task ?? ''}'`);
    process.exit(2);
  }
  const backend = args.backend === 'cpu' ? 'cpu' : 'tensorflow';
  const info = await loadBackend(backend);
  setEmitBase({ backend: backendBanner(info).replace(/^backend: /, '') });
  log(`${backendBanner(info)}; threads ${JSON.stringify(threadInfo())}`);
  try {
    await tasks[task](args, backend);
  } catch (e) {
    const runner = backend === 'cpu' ? 'tfjs-cpu' : args.precision === 'mixed_bfloat16' ? 'xp-bf16' : 'xp';
    emit({ kind: task, runner, model: args.model, error: e.message.split('\n')[0] });
    log(e.stack);
    process.exitCode = 1;
  }
}

await main();
