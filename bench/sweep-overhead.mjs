/* global process, console, fetch, setTimeout, clearTimeout, URL */
// Scheduling overhead of distributed sweeps: a real `xp sweep --queue` of a tiny experiment, two real
// `xp worker` processes on a BullMQ queue in Redis (127.0.0.1:6379 unless --redis), a real MLflow server.
// Per trial it reads the `xp.timing.*` tags the trial's run carries (set by the code paths themselves:
// queue executor, worker, trial process, runExperiment) and splits enqueue → training start into
//   queue wait   enqueued → picked              (BullMQ hands the job to a worker)
//   start        picked → process_started       (cold: the worker spawns the trial process)
//                picked → main_started          (warm: the worker hands the trial to its waiting process)
//   TF start-up  process_started → main_started (cold: imports, TensorFlow.js included; warm: the wait for
//                                                the warm-up when the job came before it was done)
//                + backend_load_started → backend_ready (the native addon; ~0 in a warm process)
//   trial setup  the rest until training_started (experiment load, MLflow round trips, data, model)
// and reports the overhead = (enqueued → training_started) − TF start-up: median and max over the trials.
// A warm process (the worker's default) loaded TensorFlow before its trial was enqueued: its warm-up is
// printed apart and is not in the trial's time. XP_WORKER_WARM=0 measures cold processes.
//
//   npm run bench:sweep-overhead [-- --trials 8] [--redis redis://127.0.0.1:6379] [--json out.json]
// Needs a built runner (npm run build), the MLflow venv (npm run setup) and a Redis server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { startServer } from '../packages/runner/dist/mlflow/index.js';
import { marksFromTags } from '../packages/runner/dist/run/timing.js';
import { intArg, median, parseArgs } from './lib.mjs';

const root = path.resolve(new URL('..', import.meta.url).pathname);
const xpBin = path.join(root, 'packages/runner/bin/xp.js');
const args = parseArgs(process.argv.slice(2));
const trials = intArg(args, 'trials', 8);
const redis = new URL(args.redis ?? 'redis://127.0.0.1:6379');
const queueName = `xp-bench-overhead-${process.pid}-${Date.now()}`;
const queueUrl = `${redis.protocol}//${redis.host}/${redis.pathname.replace(/^\//, '') || 0}?queue=${queueName}`;
const LIMIT_MS = 1000;

/** `xp <args>` as a child process; its stderr is kept for error messages. */
function startXp(xpArgs, env) {
  const child = spawn(process.execPath, [xpBin, ...xpArgs], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  const waitFor = (re, ms = 120_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`xp ${xpArgs[0]}: timed out waiting for ${re}:\n${err}`)), ms);
      const check = () => re.test(err) && (clearTimeout(timer), resolve());
      child.stderr.on('data', check);
      check();
    });
  return { child, done, waitFor };
}

async function rest(base, endpoint, body) {
  const res = await fetch(`${base}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${endpoint}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** The segments of one trial, in seconds, from its run's timing tags. */
function segments(m) {
  const s = (a, b) => (m[a] !== undefined && m[b] !== undefined ? (m[b] - m[a]) / 1000 : NaN);
  const warm = m.warm_ready !== undefined;
  const queue = s('enqueued', 'picked');
  // A job taken before its warm process was ready (a worker's first) waits for the warm-up: TF start-up too.
  const warmWait = warm ? Math.max(0, s('picked', 'warm_ready')) : 0;
  const start = warm ? s('picked', 'main_started') - warmWait : s('picked', 'process_started');
  const tf = (warm ? warmWait : s('process_started', 'main_started')) + s('backend_load_started', 'backend_ready');
  const total = s('enqueued', 'training_started');
  return { process: warm ? 'warm' : 'cold', warmUp: warm ? s('process_started', 'warm_ready') : NaN, queue, start, tf, setup: total - queue - start - tf, total, overhead: total - tf };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'xp-bench-overhead-'));
let server;
const workers = [];
try {
  server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  const env = { XP_STATE_DIR: path.join(tmp, 'state'), MLFLOW_TRACKING_URI: server.url };
  for (let i = 0; i < 2; i++) workers.push(startXp(['worker', '--queue', queueUrl], env));
  await Promise.all(workers.map((w) => w.waitFor(/worker: taking trials/)));

  const sweepFile = path.join(tmp, 'sweep.yaml');
  const experiment = path.join(root, 'bench/sweep-overhead/experiment.yaml');
  writeFileSync(
    sweepFile,
    `sweep:\n  experiment: ${JSON.stringify(experiment)}\n  metric: { name: val_loss, goal: minimize }\n  method: random\n  max_trials: ${trials}\n  parallel: 2\n` +
      '  parameters:\n    training.optimizer.learning_rate: { distribution: log_uniform, min: 1.0e-4, max: 1.0e-2 }\n',
  );
  const started = Date.now();
  const sweep = await startXp(['sweep', sweepFile, '--queue', queueUrl], env).done;
  if (sweep.code !== 0) throw new Error(`xp sweep failed (${sweep.code}):\n${sweep.err}`);
  const wallS = (Date.now() - started) / 1000;
  const parentId = /runs\/([0-9a-f]{32})\s*$/.exec(sweep.out.trim())?.[1];
  if (!parentId) throw new Error(`no parent run URL in the sweep's output:\n${sweep.out}`);
  const { runs = [] } = await rest(server.url, '/api/2.0/mlflow/runs/search', {
    experiment_ids: [(await (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${parentId}`)).json()).run.info.experiment_id],
    filter: `tags.\`mlflow.parentRunId\` = '${parentId}'`,
    max_results: 1000,
  });
  const rows = runs
    .map((r) => {
      const tags = Object.fromEntries((r.data.tags ?? []).map((t) => [t.key, t.value]));
      return { trial: Number(tags['xp.trial_number']), status: r.info.status, ...segments(marksFromTags(tags)) };
    })
    .sort((a, b) => a.trial - b.trial);
  if (rows.length !== trials || rows.some((r) => !Number.isFinite(r.overhead))) throw new Error(`expected ${trials} trials with timing tags, got:\n${JSON.stringify(rows, null, 2)}`);

  const f = (x) => x.toFixed(3).padStart(7);
  console.log(`sweep of ${trials} trials, 2 workers (${process.env.XP_WORKER_WARM === '0' ? 'cold' : 'warm'} trial processes), ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; wall ${wallS.toFixed(1)} s`);
  console.log('trial  status    process    queue   start  TF start-up   setup  enqueue→training  overhead (s)   [warm-up]');
  for (const r of rows) {
    const warmUp = r.process === 'warm' ? `   [${r.warmUp.toFixed(3)}]` : '';
    console.log(`${String(r.trial).padStart(5)}  ${r.status.padEnd(9)} ${r.process.padEnd(5)} ${f(r.queue)} ${f(r.start)} ${f(r.tf)}     ${f(r.setup)} ${f(r.total)}          ${f(r.overhead)}${warmUp}`);
  }
  const over = rows.map((r) => r.overhead);
  const summary = {
    trials,
    overheadMedianS: median(over),
    overheadMaxS: Math.max(...over),
    queueMedianS: median(rows.map((r) => r.queue)),
    warmTrials: rows.filter((r) => r.process === 'warm').length,
    startMedianS: median(rows.map((r) => r.start)),
    tfStartupMedianS: median(rows.map((r) => r.tf)),
    setupMedianS: median(rows.map((r) => r.setup)),
    underLimit: Math.max(...over) < LIMIT_MS / 1000,
  };
  console.log(`overhead (enqueue → training start, minus TF start-up): median ${summary.overheadMedianS.toFixed(3)} s, max ${summary.overheadMaxS.toFixed(3)} s — target < 1 s: ${summary.underLimit ? 'met' : 'NOT met'}`);
  if (args.json) {
    mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ summary, rows }, null, 2));
  }
} finally {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
  const q = new Queue(queueName, { connection: { host: redis.hostname, port: Number(redis.port || 6379) } });
  await q.obliterate({ force: true }).catch(() => undefined);
  await q.close();
  await server?.stop();
  if (!args.keep) rmSync(tmp, { recursive: true, force: true }); else console.log(tmp);
}
