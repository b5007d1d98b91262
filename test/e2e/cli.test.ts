import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, xp, xpStderrLines } from './helpers.js';

describe('xp CLI: validate, bad input, doctor', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  const env = () => ({ MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state') });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-cli-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('validate accepts every shipped experiment', async () => {
    const files = fs
      .readdirSync('experiments', { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'plugins')
      .flatMap((d) => fs.readdirSync(path.join('experiments', d.name)).filter((f) => f.endsWith('.yaml')).map((f) => path.join('experiments', d.name, f)));
    // The fine-tune example starts from a run the user names (XP_SOURCE_RUN): without one it must refuse, not
    // silently train from scratch (fine-tune.test.ts runs the same mechanism from a real source run).
    const needsSource = 'experiments/mnist/05-fine-tune.yaml';
    const r = await xp(['validate', ...files.filter((f) => f !== needsSource)], env());
    expect(xpStderrLines(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.endsWith(')')).length).toBe(files.length - 1);
    const unset = await xp(['validate', needsSource], env());
    expect(unset.code).toBe(2);
    expect(xpStderrLines(unset.stderr)).toEqual([expect.stringMatching(/^experiments\/mnist\/05-fine-tune\.yaml:\d+:\d+: model\.init_from: environment variable XP_SOURCE_RUN is not set/)]);
  });

  it('a type error, an unknown key and a missing key give three file:line:col errors, exit 2, no run', async () => {
    for (const cmd of ['validate', 'run']) {
      const r = await xp([cmd, 'test/fixtures/three-errors.yaml'], env());
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^test\/fixtures\/three-errors\.yaml:1:1: .*name/);
      expect(lines[1]).toMatch(/^test\/fixtures\/three-errors\.yaml:5:11: .*epochs.*(whole number|integer)/);
      expect(lines[2]).toMatch(/^test\/fixtures\/three-errors\.yaml:6:3: .*batch_sise.*did you mean 'batch_size'/);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
    const exp = await fetch(`${server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=xp-e2e-bad`);
    if (exp.ok) {
      const id = ((await exp.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
      const runs = await rest<{ runs?: unknown[] }>(server.url, '/api/2.0/mlflow/runs/search', { experiment_ids: [id] });
      expect(runs.runs ?? []).toHaveLength(0);
    } else {
      expect(exp.status).toBe(404);
    }
  });

  it('--set on a path that does not exist is a config error naming the option', async () => {
    const r = await xp(['validate', 'experiments/mnist-seq/01-baseline.yaml', '--set', 'training.epocs=3'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--set training\.epocs=3/);
    expect(r.stderr).toMatch(/epochs/);
  });

  it('doctor --json reports the native backend and the MLflow server version', async () => {
    const r = await xp(['doctor', '--json'], env());
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.backend.name).toBe('tensorflow');
    expect(report.backend.tensorflowVersion).toMatch(/^2\.\d+/);
    expect(report.backend.libtensorflowSource).toMatch(/wheel|download/);
    // The build variant, and CUDA/cuDNN versions exactly when it is the gpu build.
    expect(['cpu', 'gpu', 'download']).toContain(report.backend.variant);
    expect(report.backend.cuda === null).toBe(report.backend.variant !== 'gpu');
    expect(report.backend.gpus.length > 0 ? report.backend.nvidiaSmi : true).toBe(true);
    expect(report.mlflow.reachable).toBe(true);
    expect(report.mlflow.serverVersion).toMatch(/^3\.\d+\.\d+/);
    // bf16: the CPU flags as /proc/cpuinfo lists them; available only with one of them and a working bf16 Conv2D.
    const flags = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
    expect(report.bf16).toMatchObject({ avx512_bf16: /\bavx512_bf16\b/.test(flags), amx_bf16: /\bamx_bf16\b/.test(flags) });
    expect(report.bf16.available).toBe((report.bf16.avx512_bf16 || report.bf16.amx_bf16) && report.bf16.tensorflow === true);
  });

  it('fails before any run when the YAML insists on mixed_bfloat16 where it is unavailable, naming the option', async () => {
    // XP_NATIVE_KERNELS=0 turns the native ops off, which is one way bf16 is unavailable (as on a CPU without it).
    const sets = ['training.precision=mixed_bfloat16', 'training.precision_fallback=error'];
    const r = await xp(['run', 'test/fixtures/tiny.yaml', ...sets.flatMap((s) => ['--set', s])], { ...env(), XP_NATIVE_KERNELS: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/training\.precision: mixed_bfloat16 is not available here: .*XP_NATIVE_KERNELS=0.*training\.precision_fallback: float32/);
    expect(r.stderr).not.toMatch(/model baseline-cnn|epoch 1/);
  });

  it('runs on the pure-JS cpu backend only when asked (--backend cpu), and says so loudly', async () => {
    // A deliberately tiny model: the pure-JS backend is orders of magnitude slower than native TensorFlow.
    const sets = ['data.train.count=32', 'training.epochs=1', 'data.val.count=0', 'data.test.count=16', 'model.filters=[4]', 'model.dense_units=8'];
    const r = await xp(['run', 'test/fixtures/tiny.yaml', '--backend', 'cpu', ...sets.flatMap((s) => ['--set', s])], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/backend: cpu \(pure JavaScript/);
  });
});
