/* global process, console, fetch, setTimeout, clearTimeout, performance, Buffer */
// Latency and throughput of `xp serve`: real `xp serve` processes on the same model folder, batching concurrent
// requests (up to 32 rows per model call, one server per --waits value of --max-wait-ms) and one with
// --no-batching. Clients
// send one-image requests (`{"inputs": ["<base64 PNG>"]}`) from C concurrent loops, C = 1, 8, 32; each cell is
// the pooled latencies (p50, p99) and completed requests/s over --rounds rounds, the two servers alternating
// within each round so a change in background load hits both alike. Each answer's `x-xp-batch-rows` header (the
// rows of the model call that answered it) gives the mean batch a request saw. One run gives the whole table.
//
//   npm run bench:serve-latency [-- --model <ref> --images <dir>] [--requests 300] [--rounds 3] [--concurrency 1,8,32]
//                               [--waits 0,5] [--out DIR]
//
// Without --model it writes the model folder `xp run` would log for experiments/mnist-seq/01-baseline.yaml (the
// real logModel code, untrained weights: latency does not depend on what the weights are) into a temp folder.
// Needs a built runner (npm run build). The client runs on the same machine as the server and shares its cores.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intArg, median, parseArgs, percentile, round } from './lib.mjs';
import { loadExp, ROOT } from './spec.mjs';

const args = parseArgs(process.argv.slice(2));
const requests = intArg(args, 'requests', 300);
const rounds = intArg(args, 'rounds', 3);
const levels = String(args.concurrency ?? '1,8,32').split(',').map(Number);
const out = path.resolve(String(args.out ?? path.join(ROOT, 'bench', 'out')));
const xpBin = path.join(ROOT, 'packages/runner/bin/xp.js');
const log = (m) => process.stderr.write(`[serve-latency] ${m}\n`);

/** The model folder `xp run` logs for the baseline experiment, with untrained weights. */
async function writeBaselineModel(dir) {
  const tf = await import('@tensorflow/tfjs');
  const { loadBackend } = await import('../packages/runner/dist/backend/native-backend.js');
  const { prepare } = await import('../packages/runner/dist/run/prepare.js');
  const { logModel } = await import('../packages/runner/dist/run/log-model.js');
  const { BUILT_IN } = await import('../packages/runner/dist/registries/registries.js');
  await loadBackend('tensorflow');
  const exp = await loadExp('experiments/mnist-seq/01-baseline.yaml', ['data.train.count=64', 'data.val.count=16', 'data.test.count=16']);
  const p = await prepare(exp, BUILT_IN, { log: () => {} });
  try {
    await logModel(p, { logArtifactDir() {} }, dir);
    // Test images as a client would send them: PNGs of the first test batch, normalisation undone.
    const { node } = await import('@tensorflow/tfjs-node-gpu');
    const { mean, std } = p.data.preprocessing().normalize;
    const batch = p.data.batches('test', 8)[Symbol.iterator]().next().value;
    const pngs = [];
    for (let i = 0; i < batch.xs.shape[0]; i++) {
      const img = tf.tidy(() => batch.xs.gather([i]).squeeze([0]).mul(std).add(mean).clipByValue(0, 1).mul(255).round().toInt());
      pngs.push(Buffer.from(await node.encodePng(img)).toString('base64'));
      img.dispose();
    }
    tf.dispose([batch.xs, batch.ys, ...Object.values(batch.extras ?? {})]);
    return pngs;
  } finally {
    p.dispose();
  }
}

/** `xp serve` as a child; resolves its URL once it listens. */
function startServe(model, extra) {
  const child = spawn(process.execPath, [xpBin, 'serve', model, '--port', '0', ...extra], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`xp serve did not start:\n${err}`)), 180_000);
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', check);
    child.on('close', () => reject(new Error(`xp serve exited:\n${err}`)));
  });
  return { child, done, url };
}

/** `n` one-image requests from `c` concurrent loops; every answer must be a 200 with one prediction. */
async function load(url, bodies, c, n) {
  const latencies = [];
  const batches = [];
  let next = 0;
  const t0 = performance.now();
  const loop = async () => {
    while (next < n) {
      const body = bodies[next++ % bodies.length];
      const start = performance.now();
      const res = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = await res.json();
      if (res.status !== 200 || json.predictions?.length !== 1) throw new Error(`HTTP ${res.status}: ${JSON.stringify(json)}`);
      latencies.push(performance.now() - start);
      batches.push(Number(res.headers.get('x-xp-batch-rows')));
    }
  };
  await Promise.all(Array.from({ length: c }, loop));
  return { latencies, batches, seconds: (performance.now() - t0) / 1000 };
}

function git(argv) {
  try {
    return execFileSync('git', argv, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const commit = git(['rev-parse', '--short', 'HEAD']) ?? 'unknown';
const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (uncommitted changes)' : '';
const loadStart = os.loadavg().map((x) => round(x, 2));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-serve-bench-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
let model = typeof args.model === 'string' ? args.model : undefined;
let images;
if (!model) {
  model = path.join(tmp, 'model');
  log(`writing the baseline model folder to ${model}`);
  images = await writeBaselineModel(model);
} else {
  // Another model: its test images are the files of --images (a folder of PNG/JPEG files).
  if (typeof args.images !== 'string') throw new Error('--model needs --images <folder of image files> to send');
  const files = fs.readdirSync(args.images).filter((f) => /\.(png|jpe?g|bmp|gif)$/i.test(f)).sort();
  if (!files.length) throw new Error(`no image files in ${args.images}`);
  images = files.map((f) => fs.readFileSync(path.join(args.images, f)).toString('base64'));
}
const bodies = images.map((b) => JSON.stringify({ inputs: [b] }));

// The batching servers (one per --waits value: how long a request waits for others) and, last, the one without.
const waits = String(args.waits ?? '0,5').split(',').map(Number);
const modes = [
  ...waits.map((w) => ({ name: `batching (≤ 32 rows, wait ${w} ms)`, flags: ['--max-batch', '32', '--max-wait-ms', String(w)] })),
  { name: 'no batching', flags: ['--no-batching'] },
];
const servers = modes.map((m) => ({ ...m, proc: startServe(model, [...m.flags, '--max-rows', '64']) }));
const results = {};
try {
  for (const s of servers) {
    s.url = await s.proc.url;
    log(`${s.name}: ${s.url}`);
    await load(s.url, bodies, 4, 40); // warm-up: graph, allocator, connections
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of levels) {
      const order = r % 2 ? [...servers].reverse() : servers; // alternate who goes first
      for (const s of order) {
        const m = await load(s.url, bodies, c, Math.max(requests, 4 * c));
        const cell = (results[`${s.name}|${c}`] ??= { latencies: [], batches: [], requests: 0, seconds: 0, rates: [] });
        cell.latencies.push(...m.latencies);
        cell.batches.push(...m.batches);
        cell.requests += m.latencies.length;
        cell.seconds += m.seconds;
        cell.rates.push(m.latencies.length / m.seconds);
        log(`round ${r + 1} ${s.name} c=${c}: p50 ${round(median(m.latencies))} ms, ${round(m.latencies.length / m.seconds)} req/s`);
      }
    }
  }
} finally {
  for (const s of servers) s.proc.child.kill('SIGTERM');
}
const stats = {};
for (const s of servers) {
  const { code, err } = await s.proc.done;
  const m = /stopped after (\d+) rows in (\d+) model calls/.exec(err);
  if (code !== 0 || !m) throw new Error(`${s.name}: xp serve exited ${code}:\n${err}`);
  stats[s.name] = { rows: Number(m[1]), calls: Number(m[2]) };
}
const loadEnd = os.loadavg().map((x) => round(x, 2));

const lines = [
  `xp serve latency at commit \`${commit}\`${dirty}, ${new Date().toISOString()}, ${os.cpus().length} cores, load average ${loadStart.join(' ')} at start and ${loadEnd.join(' ')} at end${loadStart[0] > 0.5 ? ' (**a loaded machine**: compare the rows with each other, not with other machines)' : ''}.`,
  `Command: \`npm run bench:serve-latency${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`; one-image JSON requests (base64 PNG, ${images.length} distinct test images), ${rounds} rounds × ≥ ${requests} requests per cell; client and server on the same machine.`,
  '',
  '| server | concurrency | p50 latency (ms) | p99 latency (ms) | throughput (req/s) | throughput vs no batching (rounds) | rows per model call |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const json = { commit, dirty: Boolean(dirty), loadStart, loadEnd, requests, rounds, cells: [], servers: stats };
for (const c of levels) {
  for (const s of servers) {
    const cell = results[`${s.name}|${c}`];
    const tput = cell.requests / cell.seconds;
    // The ratio to no batching is the median of the per-round ratios: each pairs two servers measured back to back.
    const none = results[`${servers.at(-1).name}|${c}`];
    const ratios = cell.rates.map((r, k) => r / none.rates[k]);
    const ratio = s !== servers.at(-1) ? `${round(median(ratios), 2)}× (${ratios.map((x) => round(x, 2)).join(', ')})` : '';
    const meanBatch = cell.batches.reduce((a, b) => a + b, 0) / cell.batches.length;
    const row = { server: s.name, concurrency: c, p50: round(median(cell.latencies)), p99: round(percentile(cell.latencies, 99)), throughput: round(tput), meanBatch: round(meanBatch, 2), rounds: cell.rates.map((x) => round(x)) };
    json.cells.push(row);
    lines.push(`| ${s.name} | ${c} | ${row.p50} | ${row.p99} | ${row.throughput} | ${ratio} | ${row.meanBatch} |`);
  }
}
lines.push('', ...servers.map((s) => `${s.name}: ${stats[s.name].rows} rows in ${stats[s.name].calls} model calls (mean batch ${round(stats[s.name].rows / stats[s.name].calls, 2)}, warm-up included).`));
const md = `${lines.join('\n')}\n`;
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'serve-latency.md'), md);
fs.writeFileSync(path.join(out, 'serve-latency.json'), `${JSON.stringify(json, null, 2)}\n`);
console.log(md);
log(`wrote ${path.join(out, 'serve-latency.md')}`);
