// The benchmark in one command: xp against Keras (same TensorFlow 2.21 wheel), PyTorch and tfjs's pure-JS
// backend, plus xp's input pipeline, MLflow overhead, inference and scaling. Every measurement runs in its own
// process, one after another (never two at once on this 2-core machine), and prints JSON lines; this script
// collects them and prints one report, also written to bench/out/ as JSON and Markdown.
//
//   node bench/run.mjs [--quick] [--only throughput,pipeline,mlflow,inference,scaling]
//                      [--runners xp,keras,keras-jit,torch,tfjs-cpu,xp-bf16,keras-bf16]
//                      [--rounds 3] (interleaved throughput rounds)
//   node bench/run.mjs --tta [--target 0.99] [--max-minutes 120] [--set data.train.count=…]
// See bench/README.md.
/* global process, console */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from './lib.mjs';
import { renderReport } from './report.mjs';
import { BENCH_BATCH, buildSpec, ROOT } from './spec.mjs';

const OUT = path.join(ROOT, 'bench', 'out');
const args = parseArgs(process.argv.slice(2));
// --venv: another venv with the same packages (e.g. a shared one); bench/.venv is created when missing.
const VENV = args.venv ? path.resolve(String(args.venv)) : path.join(ROOT, 'bench', '.venv');
const PY_PACKAGES = ['tensorflow-cpu==2.21.0', 'torch==2.13.0'];
const SECTIONS = ['throughput', 'pipeline', 'mlflow', 'inference', 'scaling'];
const ALL_RUNNERS = ['xp', 'keras', 'keras-jit', 'torch', 'tfjs-cpu', 'xp-bf16', 'keras-bf16'];

const quick = Boolean(args.quick);
const threads = Number(args.threads ?? 2);
const throughputRounds = Number(args.rounds ?? (quick ? 1 : 3));
const sections = args.only ? String(args.only).split(',') : SECTIONS;
const runners = args.runners ? String(args.runners).split(',') : ALL_RUNNERS;
for (const s of sections) if (!SECTIONS.includes(s)) fail(`--only: unknown section '${s}'; expected some of ${SECTIONS.join(', ')}`);
if (!Number.isInteger(throughputRounds) || throughputRounds < 1) fail(`--rounds must be a positive integer, got '${args.rounds}'`);
for (const r of runners) if (!ALL_RUNNERS.includes(r)) fail(`--runners: unknown runner '${r}'; expected some of ${ALL_RUNNERS.join(', ')}`);

function fail(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// The same thread settings for every runner: TF (xp's addon and Keras) reads the two TF_* variables, the Python
// scripts also set them through their APIs (tf.config.threading, torch.set_num_threads) from --threads.
const env = {
  ...process.env, TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: String(threads), OMP_NUM_THREADS: String(threads),
  TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1',
};

/** Slice plans: full runs time ≥ 5 slices after a real warm-up; --quick only proves every path works. */
const P = quick
  ? { tp: ['--warmup', '1', '--slices', '5', '--slice-batches', '1'], cpu: ['--batch', '2', '--warmup', '1', '--slices', '2', '--slice-batches', '1'],
    scal: ['--warmup', '1', '--slices', '5', '--slice-batches', '1'], pipe: ['--warmup', '1', '--slices', '5', '--slice-batches', '2'],
    small: ['--set', 'data.train.count=2000', '--set', 'data.val.count=200', '--set', 'data.test.count=200'],
    mlflow: ['--epoch-batches', '2', '--epochs', '2', '--rounds', '1'], inf: ['--latency-n', '20', '--throughput-n', '3'] }
  : { tp: ['--warmup', '10', '--slices', '7', '--slice-batches', '8'], cpu: ['--batch', '8', '--warmup', '1', '--slices', '3', '--slice-batches', '1'],
    scal: ['--warmup', '5', '--slices', '5', '--slice-batches', '6'], pipe: ['--warmup', '3', '--slices', '7', '--slice-batches', '20'],
    small: [], mlflow: ['--epoch-batches', '50', '--epochs', '5', '--rounds', '3'], inf: ['--latency-n', '200', '--throughput-n', '15'] };

function benchJobs(specFile) {
  const py = (script, runner, model, extra = []) => ({
    id: `${runner}-${model}`, kind: 'throughput', runner, model, python: true, cmd: path.join(VENV, 'bin', 'python'),
    args: [path.join('bench', script), 'throughput', '--spec', specFile, '--threads', String(threads), '--model', model, ...extra, ...P.tp],
  });
  const xp = (kind, id, extra, o = {}) => ({ id, kind, runner: 'xp', ...o, cmd: process.execPath, args: ['bench/xp-bench.mjs', kind, ...extra] });
  const jobs = [];
  if (sections.includes('throughput')) {
    // Rounds interleave the runners compared by a ratio (xp, Keras fit, PyTorch), so background load and drift
    // hit them alike; the report takes the median of the per-round ratios. XLA and the pure-JS backend are
    // context, measured once (in the first round).
    for (let round = 1; round <= throughputRounds; round++) {
      const r = (job) => ({ ...job, id: `${job.id}${throughputRounds > 1 ? `-r${round}` : ''}`, round });
      for (const model of ['baseline', 'final']) {
        if (runners.includes('xp')) jobs.push(r(xp('throughput', `xp-${model}`, ['--model', model, ...P.tp], { model })));
        if (runners.includes('keras')) jobs.push(r(py('keras_bench.py', 'keras', model)));
        if (runners.includes('torch')) jobs.push(r(py('torch_bench.py', 'torch', model)));
        // Mixed bfloat16: xp's training.precision and Keras's global policy, compared with each other.
        if (runners.includes('xp-bf16')) jobs.push(r(xp('throughput', `xp-bf16-${model}`, ['--model', model, '--precision', 'mixed_bfloat16', ...P.tp], { model, runner: 'xp-bf16' })));
        if (runners.includes('keras-bf16')) jobs.push(r(py('keras_bench.py', 'keras-bf16', model, ['--precision', 'mixed_bfloat16'])));
        if (round > 1) continue;
        if (runners.includes('keras-jit')) jobs.push(r(py('keras_bench.py', 'keras-jit', model, ['--variant', 'jit'])));
        if (runners.includes('tfjs-cpu')) jobs.push(r(xp('throughput', `tfjs-cpu-${model}`, ['--backend', 'cpu', '--model', model, ...P.cpu], { model, runner: 'tfjs-cpu' })));
      }
    }
  }
  if (sections.includes('pipeline')) jobs.push(xp('pipeline', 'pipeline', [...P.pipe, ...P.small]));
  if (sections.includes('mlflow')) jobs.push(xp('mlflow', 'mlflow', P.mlflow));
  if (sections.includes('inference')) jobs.push(xp('inference', 'inference', P.inf));
  if (sections.includes('scaling')) {
    for (const b of [32, 64, 128, 256]) jobs.push(xp('scaling', `scaling-b${b}`, ['--batch', String(b), '--train-count', '50000', ...P.scal]));
    jobs.push(xp('scaling', 'scaling-n10k', ['--batch', '128', '--train-count', '10000', ...P.scal]));
  }
  return jobs;
}

function ttaJobs(specFile) {
  const target = String(args.target ?? 0.99);
  const maxEpochs = args['max-epochs'] ?? (quick ? 2 : 60);
  const common = ['--target', target, '--max-epochs', String(maxEpochs), '--max-minutes', String(args['max-minutes'] ?? 120)];
  const sets = ttaOverrides().flatMap((s) => ['--set', s]);
  const py = (script, runner, extra = []) => ({
    id: `tta-${runner}`, kind: 'tta', runner, python: true, cmd: path.join(VENV, 'bin', 'python'),
    args: [path.join('bench', script), 'tta', '--spec', specFile, '--threads', String(threads), ...common, ...extra],
  });
  return [
    runners.includes('xp') && { id: 'tta-xp', kind: 'tta', runner: 'xp', cmd: process.execPath, args: ['bench/xp-bench.mjs', 'tta', ...common, ...sets, '--precision', 'float32'] },
    runners.includes('keras') && py('keras_bench.py', 'keras'),
    runners.includes('xp-bf16') && {
      id: 'tta-xp-bf16', kind: 'tta', runner: 'xp-bf16', cmd: process.execPath, args: ['bench/xp-bench.mjs', 'tta', ...common, ...sets, '--precision', 'mixed_bfloat16'],
    },
    runners.includes('keras-bf16') && py('keras_bench.py', 'keras-bf16', ['--precision', 'mixed_bfloat16']),
    runners.includes('torch') && py('torch_bench.py', 'torch'),
  ].filter(Boolean);
}

/** The recipe's `--set` overrides; `--tta --quick` shrinks the data so the whole path runs in about a minute. */
function ttaOverrides() {
  return quick ? ['data.train.count=2000', 'data.val.count=500', 'data.test.count=100', ...args.set] : args.set;
}

/** Creates bench/.venv from the local wheels when it is missing; returns why Python runners cannot run, or null. */
function ensureVenv() {
  const python = path.join(VENV, 'bin', 'python');
  if (existsSync(python) && spawnSync(python, ['-c', 'import tensorflow, torch, keras'], { stdio: 'ignore', env }).status === 0) return null;
  const rel = VENV.startsWith(`${ROOT}${path.sep}`) ? path.relative(ROOT, VENV) : VENV;
  if (args['no-setup']) return `${rel} is missing or incomplete; create it: python3 -m venv ${rel} && ${rel}/bin/pip install ${PY_PACKAGES.join(' ')}`;
  console.error(`bench: creating ${rel} with ${PY_PACKAGES.join(' ')} (once; about 2.4 GB)…`);
  const steps = [['python3', ['-m', 'venv', VENV]], [path.join(VENV, 'bin', 'pip'), ['install', '-q', ...PY_PACKAGES]]];
  for (const [cmd, a] of steps) {
    const r = spawnSync(cmd, a, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) return `could not create ${rel} (\`${cmd} ${a.join(' ')}\` exited ${r.status ?? r.error?.message})`;
  }
  return null;
}

/** Runs one job, tees its stderr to bench/out/logs/<id>.log, and returns its JSON records. */
function runJob(job, noPython) {
  const what = job.args.slice(0, 2).join(' ');
  const failure = (error) => ({ kind: job.kind, runner: job.runner, model: job.model, error });
  if (job.python && noPython) return Promise.resolve([failure(noPython)]);
  const t0 = Date.now();
  process.stderr.write(`bench: ${job.id} (${what})… `);
  return new Promise((resolve) => {
    const logFile = path.join(OUT, 'logs', `${job.id}.log`);
    const logStream = createWriteStream(logFile);
    const child = spawn(job.cmd, job.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const records = [];
    let buf = '';
    let epochLines = false;
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const rec = JSON.parse(line);
        records.push(rec);
        if (rec.kind === 'tta-epoch') {
          process.stderr.write(`\n  ${rec.runner} epoch ${rec.epoch}: val exact match ${(100 * rec.val_exact_match).toFixed(2)} % at ${rec.s} s`);
          epochLines = true;
        }
      }
    });
    child.stderr.pipe(logStream);
    child.on('close', (code) => {
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      process.stderr.write(`${epochLines ? '\n  ' : ''}${records.some((r) => r.error) || code ? 'FAILED' : 'ok'} (${secs} s)\n`);
      if (!records.some((r) => r.kind !== 'tta-epoch')) {
        records.push(failure(`exited with ${code} and printed no measurement; see bench/out/logs/${job.id}.log`));
      }
      resolve(records.map((r) => ({ ...r, job: job.id, job_seconds: Number(secs), ...(job.round ? { round: job.round } : {}) })));
    });
  });
}

async function main() {
  await fs.mkdir(path.join(OUT, 'logs'), { recursive: true });
  if (!existsSync(path.join(ROOT, 'packages', 'runner', 'dist', 'training', 'trainer.js'))) fail('the packages are not built; run `npm run build` first');
  const spec = await buildSpec(args.tta ? ttaOverrides() : []);
  const specFile = path.join(OUT, 'spec.json');
  await fs.writeFile(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  const jobs = args.tta ? ttaJobs(specFile) : benchJobs(specFile);
  const noPython = jobs.some((j) => j.python) ? ensureVenv() : null;
  const meta = {
    quick, started: new Date().toISOString(), cpus: os.cpus().length, loadStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    batch: BENCH_BATCH, rounds: sections.includes('throughput') && !args.tta ? throughputRounds : undefined, target: args.tta ? Number(args.target ?? 0.99) : undefined,
    recipe: `${spec.recipe.file}${spec.recipe.overrides.length ? ` with ${spec.recipe.overrides.join(', ')}` : ''}`,
    modelNames: { baseline: spec.models.baseline.model.type, final: `${spec.models.final.model.type}, heads ${spec.models.final.model.heads}` },
    threadsLine: `TF intra-op ${threads}, inter-op ${threads} (xp's addon and Keras); torch.set_num_threads(${threads}), interop ${threads}; ` +
      `OMP_NUM_THREADS=${threads}; the tfjs cpu backend runs on one JavaScript thread`,
  };
  console.error(`bench: ${jobs.length} measurements, one at a time; ${meta.threadsLine}`);
  const records = [];
  for (const job of jobs) records.push(...(await runJob(job, noPython)));
  meta.loadEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
  meta.finished = new Date().toISOString();
  const md = renderReport(records.filter((r) => r.kind !== 'tta-epoch'), meta);
  const name = args.tta ? 'tta' : quick ? 'quick' : 'results';
  await fs.writeFile(path.join(OUT, `${name}.md`), md);
  await fs.writeFile(path.join(OUT, `${name}.json`), `${JSON.stringify({ meta, spec, records }, null, 2)}\n`);
  console.log(md);
  console.error(`bench: written bench/out/${name}.md and bench/out/${name}.json (per-job logs in bench/out/logs/)`);
}

await main();
