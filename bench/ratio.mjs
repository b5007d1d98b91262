// Interleaved A/B throughput: runs the benchmark's throughput jobs (xp, Keras fit, PyTorch; optionally xp with
// tfjs's own kernels as "xp-tfjs", and both under mixed bfloat16 as "xp-bf16" and "keras-bf16") one after another,
// round after round, so background load spreads over all of them, and prints each round's seq/s and the ratios
// within the round (xp/Keras, xp/PyTorch, xp-bf16/Keras-bf16, ...), then their medians.
// On a shared machine absolute numbers drift; ratios between neighbours in time are what to compare.
//
//   node bench/ratio.mjs [--models baseline,final] [--runners xp,keras,torch,xp-tfjs,xp-fused,xp-bf16,xp-bf16-fused,xp-bf16-separate,keras-bf16] [--rounds 3]
//                        [--warmup 10 --slices 5 --slice-batches 4] [--threads 2]
/* global process, console */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intArg, median, parseArgs } from './lib.mjs';
import { buildSpec, ROOT } from './spec.mjs';

const args = parseArgs(process.argv.slice(2));
const models = String(args.models ?? 'baseline,final').split(',');
const runners = String(args.runners ?? 'xp,keras,torch').split(',');
const rounds = intArg(args, 'rounds', 3);
const threads = String(intArg(args, 'threads', 2));
const plan = ['--warmup', String(intArg(args, 'warmup', 10)), '--slices', String(intArg(args, 'slices', 5)), '--slice-batches', String(intArg(args, 'slice-batches', 4))];
const python = path.join(ROOT, 'bench', '.venv', 'bin', 'python');
const env = { ...process.env, TF_NUM_INTRAOP_THREADS: threads, TF_NUM_INTEROP_THREADS: threads, OMP_NUM_THREADS: threads, TF_CPP_MIN_LOG_LEVEL: '2' };

const specFile = path.join(ROOT, 'bench', 'out', 'spec.json');
await fs.mkdir(path.dirname(specFile), { recursive: true });
await fs.writeFile(specFile, `${JSON.stringify(await buildSpec(), null, 2)}\n`);

const commands = {
  xp: (m) => [process.execPath, ['bench/xp-bench.mjs', 'throughput', '--model', m, ...plan], {}],
  'xp-tfjs': (m) => [process.execPath, ['bench/xp-bench.mjs', 'throughput', '--model', m, ...plan], { XP_NATIVE_KERNELS: '0' }],
  'xp-bf16': (m) => [process.execPath, ['bench/xp-bench.mjs', 'throughput', '--model', m, '--precision', 'mixed_bfloat16', ...plan], {}],
  // xp and xp-bf16 run the model file's training.conv_kernel (its default); these name the kernels explicitly.
  'xp-fused': (m) => [process.execPath, ['bench/xp-bench.mjs', 'throughput', '--model', m, '--conv-kernel', 'fused', ...plan], {}],
  'xp-bf16-fused': (m) => [process.execPath, ['bench/xp-bench.mjs', 'throughput', '--model', m, '--precision', 'mixed_bfloat16', '--conv-kernel', 'fused', ...plan], {}],
  'xp-bf16-separate': (m) => [process.execPath, ['bench/xp-bench.mjs', 'throughput', '--model', m, '--precision', 'mixed_bfloat16', '--conv-kernel', 'separate', ...plan], {}],
  keras: (m) => [python, ['bench/keras_bench.py', 'throughput', '--spec', specFile, '--threads', threads, '--model', m, ...plan], {}],
  'keras-bf16': (m) => [python, ['bench/keras_bench.py', 'throughput', '--spec', specFile, '--threads', threads, '--model', m, '--precision', 'mixed_bfloat16', ...plan], {}],
  torch: (m) => [python, ['bench/torch_bench.py', 'throughput', '--spec', specFile, '--threads', threads, '--model', m, ...plan], {}],
};

/** One throughput job's median seq/s. */
function measure(runner, model) {
  const [cmd, a, extra] = commands[runner](model);
  const r = spawnSync(cmd, a, { cwd: ROOT, env: { ...env, ...extra }, encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{') && l.includes('"throughput"'));
  if (!line) throw new Error(`${runner} ${model} printed no measurement (exit ${r.status}): ${r.stderr.slice(-500)}`);
  return JSON.parse(line).seq_per_s;
}

/** The ratios printed, numerator/denominator, when both runners are in the rounds: each xp against its peer. */
const PAIRS = [
  ['xp', 'keras'], ['xp', 'torch'], ['xp', 'xp-tfjs'], ['xp-fused', 'keras'], ['xp-bf16', 'keras-bf16'], ['xp-bf16-fused', 'keras-bf16'], ['xp-bf16-separate', 'keras-bf16'],
  ['xp-bf16', 'xp'], ['keras-bf16', 'keras'],
]
  .filter(([a, b]) => runners.includes(a) && runners.includes(b));

const load = () => os.loadavg()[0].toFixed(2);
console.log(`interleaved throughput, batch 128, ${rounds} rounds, plan ${plan.join(' ')}, threads ${threads}; load at start ${load()}`);
for (const model of models) {
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    const row = Object.fromEntries(runners.map((r) => [r, measure(r, model)]));
    rows.push(row);
    const ratios = PAIRS.map(([a, b]) => `${a}/${b} ${(row[a] / row[b]).toFixed(2)}`);
    console.log(`${model} round ${i + 1}: ${runners.map((r) => `${r} ${row[r]}`).join(', ')}  →  ${ratios.join(', ')}  (load ${load()})`);
  }
  const med = (f) => median(rows.map(f)).toFixed(2);
  const summary = PAIRS.map(([a, b]) => `${a}/${b} ${med((r) => r[a] / r[b])}`);
  console.log(`${model} median ratios: ${summary.join(', ')}; median seq/s ${runners.map((r) => `${r} ${median(rows.map((x) => x[r])).toFixed(1)}`).join(', ')}`);
}
console.log(`load at end ${load()}`);
