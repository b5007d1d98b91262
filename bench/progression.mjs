// Re-runs the mnist-seq progression (experiments/mnist-seq/01…07) through the real `xp run`, each into one fresh
// MLflow experiment, then writes the progression table `xp compare` makes of them, headed by the commit, the date
// and the exact command, so the table in docs/results.md can be refreshed whenever kernels, defaults or recipes
// change (issue 18: a stale headline number is a bug).
//
//   npm run bench:progression [-- --set training.epochs=3 --set data.train.count=10000] [--only 01,06] [--out DIR]
//
// Full budget (no --set) takes hours on a 2-core CPU; --set overrides apply to every file, as `xp run --set` does.
/* global process, console */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from './lib.mjs';
import { ROOT } from './spec.mjs';

const args = parseArgs(process.argv.slice(2));
const dir = path.join(ROOT, 'experiments', 'mnist-seq');
const only = typeof args.only === 'string' ? args.only.split(',') : undefined;
const files = fs
  .readdirSync(dir)
  .filter((f) => /^\d\d-.*\.yaml$/.test(f) && (!only || only.some((p) => f.startsWith(p))))
  .sort();
const commit = git(['rev-parse', '--short', 'HEAD']) ?? 'unknown';
const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (uncommitted changes)' : '';
const stamp = new Date().toISOString();
// One MLflow experiment per invocation: the compare table then holds exactly this run of the progression.
const experiment = `mnist-seq-progression-${commit}-${stamp.replace(/[:.]/g, '-')}`;
const out = path.resolve(String(args.out ?? path.join(ROOT, 'bench', 'out', 'progression')));
const xp = path.join(ROOT, 'packages', 'runner', 'bin', 'xp.js');
const sets = args.set.flatMap((s) => ['--set', s]);

fs.mkdirSync(out, { recursive: true });
for (const f of files) {
  console.error(`[progression] ${f}`);
  const r = spawnSync(process.execPath, [xp, 'run', path.join(dir, f), '--set', `experiment=${experiment}`, ...sets], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`xp run ${f} exited with ${r.status}; the table would be incomplete`);
}
const compare = spawnSync(process.execPath, [xp, 'compare', experiment, '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (compare.status !== 0) throw new Error(`xp compare exited with ${compare.status}`);
const header = [
  `Progression measured at commit \`${commit}\`${dirty} on ${stamp.slice(0, 10)} (${stamp}).`,
  `Command: \`npm run bench:progression${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
  '',
].join('\n');
const table = fs.readFileSync(path.join(out, 'compare.md'), 'utf8');
fs.writeFileSync(path.join(out, 'progression.md'), `${header}\n${table}`);
process.stdout.write(`${compare.stdout}wrote ${path.join(out, 'progression.md')}\n`);

function git(argv) {
  try {
    return execFileSync('git', argv, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}
