// The bad-input corpus (test/fixtures/bad/, see its README.md): every broken file through the real CLI, each
// with the exact lines it must print. A few inputs too big or too odd to commit are generated here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, root, xp, xpStderrLines, type CliResult } from './helpers.js';

interface BadCase {
  name: string;
  /** Path as passed to the CLI: relative to the repository root for fixtures, absolute for generated files. */
  file: string;
  args: string[];
  /** The exact stderr lines. */
  expected: string[];
  /** Also try it with `xp run` (`xp sweep` for a sweep file). */
  run: boolean;
  /** `sweep` for a sweep file (top-level `sweep:`), else `run`. */
  runCommand?: 'run' | 'sweep';
  env?: Record<string, string>;
}

const DIR = 'test/fixtures/bad';
// Memory for inputs built to exhaust it: the CLI itself needs far less, an expanded alias bomb far more.
const SMALL_HEAP = { NODE_OPTIONS: '--max-old-space-size=128' };
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

function fixtureCases(): BadCase[] {
  return fs
    .readdirSync(path.join(root, DIR))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = `${DIR}/${f}`;
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      const header = (key: string) => [...text.matchAll(new RegExp(`^# ${key}: (.*)$`, 'gm'))].map((m) => m[1]);
      // `$ROOT` stands for the repository root (paths inside it print relative to it, config and data files alike).
      const expected = header('expect').map((l) => l.replaceAll('$FILE', file).replaceAll('$DIR', DIR).replaceAll('$ROOT', root));
      if (expected.length === 0) throw new Error(`${file}: no '# expect:' line`);
      const name = f.replace(/\.yaml$/, '');
      return {
        name,
        file,
        args: header('args').flatMap((a) => a.split(' ')),
        expected,
        run: header('run').includes('yes'),
        runCommand: /^sweep:/m.test(text) ? ('sweep' as const) : ('run' as const),
        env: name.includes('bomb') ? SMALL_HEAP : undefined,
      };
    });
}

// Inputs that are generated rather than committed: 10 MB of YAML, bytes that are not UTF-8, paths that are
// not files. Written in beforeAll; the expected lines only need the path, known now.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-bad-input-'));
const TEN_MB = 10 * 1024 * 1024;
const generated: (BadCase & { write?: (file: string) => void })[] = [
  {
    name: 'generated: 10 MB of YAML',
    file: path.join(tmp, 'ten-mb.yaml'),
    args: [],
    run: true,
    env: SMALL_HEAP,
    expected: [
      `${path.join(tmp, 'ten-mb.yaml')}: file is too large (${TEN_MB} bytes; the limit is 1048576): an experiment file is a few kilobytes of YAML, check that the right file was passed`,
    ],
    write: (file) => {
      const line = '  - 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\n';
      const head = 'name: big\nmodel: { type: baseline-cnn }\npadding:\n';
      const body = line.repeat(Math.ceil((TEN_MB - head.length) / line.length));
      fs.writeFileSync(file, (head + body).slice(0, TEN_MB));
    },
  },
  {
    name: 'generated: Latin-1 bytes',
    file: path.join(tmp, 'latin1.yaml'),
    args: [],
    run: true,
    expected: [
      `${path.join(tmp, 'latin1.yaml')}:2:17: file is not valid UTF-8 text: byte 0xE9 here is not part of a UTF-8 character (the file may be Latin-1 or UTF-16); re-save it with UTF-8 encoding`,
    ],
    write: (file) => fs.writeFileSync(file, Buffer.concat([Buffer.from('name: x\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\nmodel: { type: baseline-cnn }\n')])),
  },
  {
    name: 'generated: UTF-16 with a byte order mark',
    file: path.join(tmp, 'utf16.yaml'),
    args: [],
    run: false,
    expected: [
      `${path.join(tmp, 'utf16.yaml')}:1:1: file is not valid UTF-8 text: byte 0xFF here is not part of a UTF-8 character (the file may be Latin-1 or UTF-16); re-save it with UTF-8 encoding`,
    ],
    write: (file) => fs.writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\nmodel: { type: baseline-cnn }\n', 'utf16le')])),
  },
  {
    name: 'generated: random binary',
    file: path.join(tmp, 'binary.yaml'),
    args: [],
    run: false,
    expected: [
      `${path.join(tmp, 'binary.yaml')}:1:5: file is not valid UTF-8 text: byte 0x89 here is not part of a UTF-8 character (the file may be Latin-1 or UTF-16); re-save it with UTF-8 encoding`,
    ],
    // a PNG signature: "\x89PNG" after four ASCII bytes
    write: (file) => fs.writeFileSync(file, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00])),
  },
  {
    name: 'a file that does not exist',
    file: `${DIR}/no-such-experiment.yaml`,
    args: [],
    run: true,
    expected: [`${DIR}/no-such-experiment.yaml: file not found; check the path`],
  },
  {
    name: 'a directory',
    file: `${DIR}/parts`,
    args: [],
    run: false,
    expected: [`${DIR}/parts: is a directory; pass the path of a .yaml experiment file`],
  },
];

const cases: BadCase[] = [...fixtureCases(), ...generated];

interface Outcome {
  exact: boolean;
  code: number | null;
}
const results = new Map<string, Outcome>();

const lines = (r: CliResult) => xpStderrLines(r.stderr);

describe('the bad-input corpus through the real CLI', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const env = (extra: Record<string, string> = {}) => ({ MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state'), ...extra });

  beforeAll(async () => {
    for (const c of generated) c.write?.(c.file);
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  });

  afterAll(async () => {
    const tried = results.size;
    const exact = [...results.values()].filter((o) => o.exact).length;
    const misses = [...results].filter(([, o]) => !o.exact).map(([n]) => n);
    // The corpus count, for the record (also visible in CI logs).
    console.log(`bad-input corpus: ${tried} cases tried, ${exact} with the exact expected message${misses.length ? `; not exact: ${misses.join(', ')}` : ''}`);
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('has at least 25 cases, each with an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('xp validate: %s', async (_, c) => {
    const t0 = performance.now();
    const r = await xp(['validate', c.file, ...c.args], env(c.env), 60_000);
    const exact = r.code === 2 && JSON.stringify(lines(r)) === JSON.stringify(c.expected);
    results.set(c.name, { exact, code: r.code });
    expect(lines(r)).toEqual(c.expected);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK_LINE);
    // Every refusal is quick, the alias bomb and the 10 MB file included (the CLI's own start-up is most of it).
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it.each(cases.filter((c) => c.run).map((c) => [`${c.runCommand ?? 'run'}: ${c.name}`, c] as const))('xp %s', async (_, c) => {
    const r = await xp([c.runCommand ?? 'run', c.file, ...c.args], env(c.env), 60_000);
    expect(lines(r)).toEqual(c.expected);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('prints the stack trace after the same lines with --debug, for validate and run', async () => {
    const c = cases.find((x) => x.name === 'shape-multihead-too-many-pools')!;
    for (const cmd of ['validate', 'run']) {
      const r = await xp(['--debug', cmd, c.file], env(), 60_000);
      expect(r.code).toBe(2);
      expect(lines(r).slice(0, c.expected.length)).toEqual(c.expected);
      expect(r.stderr).toMatch(STACK_LINE);
      expect(r.stderr).toMatch(/ConfigError: invalid experiment config/);
    }
  });

  it('created no MLflow run in any experiment', async () => {
    const { experiments = [] } = await rest<{ experiments?: { experiment_id: string; name: string }[] }>(server.url, '/api/2.0/mlflow/experiments/search', {
      max_results: 1000,
    });
    expect(experiments.length).toBeGreaterThan(0);
    const { runs = [] } = await rest<{ runs?: unknown[] }>(server.url, '/api/2.0/mlflow/runs/search', {
      experiment_ids: experiments.map((e) => e.experiment_id),
      run_view_type: 'ALL',
      max_results: 1000,
    });
    expect(runs).toEqual([]);
    // No run was even started: the bad files never got past loading, so not even their experiment exists.
    expect(experiments.map((e) => e.name)).not.toContain('xp-e2e-bad');
  });
});
