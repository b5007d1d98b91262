import { spawnSync } from 'node:child_process';
import { describeBackend, loadBackend, type BackendInfo } from '../backend/native-backend.js';
import { MlflowClient, mlflowBin, resolveTrackingUri } from '../mlflow/index.js';
import { stateDir } from '../run/state-dir.js';
import { bf16Support, type Bf16Support } from '../training/native/precision.js';

interface DoctorReport {
  node: string;
  platform: string;
  backend: BackendInfo | { name: 'unavailable'; error: string };
  /** Whether `training.precision: mixed_bfloat16` trains in bf16 here (CPU flags, and a bf16 Conv2D on the backend). */
  bf16: Bf16Support;
  mlflow: { venvBinary: string | null; venvVersion: string | null; trackingUri: string | null; embedded: boolean; serverVersion: string | null; reachable: boolean; error?: string };
  stateDir: string;
}

async function probeBackend(): Promise<DoctorReport['backend']> {
  try {
    await loadBackend('tensorflow');
    return describeBackend();
  } catch (e) {
    return { name: 'unavailable', error: (e as Error).message };
  }
}

async function probeMlflow(): Promise<DoctorReport['mlflow']> {
  let bin: string | null = null;
  let venvVersion: string | null = null;
  try {
    bin = mlflowBin();
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    venvVersion = r.status === 0 ? r.stdout.trim().split(/\s+/).pop() ?? null : null;
  } catch {
    bin = null;
  }
  const uri = resolveTrackingUri();
  const report: DoctorReport['mlflow'] = { venvBinary: bin, venvVersion, trackingUri: uri, embedded: !uri, serverVersion: null, reachable: false };
  if (uri) {
    try {
      const client = new MlflowClient({ trackingUri: uri, maxRetries: 0 });
      report.reachable = await client.health();
      report.serverVersion = await client.serverVersion();
    } catch (e) {
      report.error = (e as Error).message;
    }
  } else {
    report.serverVersion = venvVersion;
  }
  return report;
}

/** `xp doctor`: what runs here (backend, TensorFlow, devices, MLflow). */
export async function doctorCommand(opts: { json?: boolean }): Promise<boolean> {
  const report: DoctorReport = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend: await probeBackend(),
    bf16: bf16Support(),
    mlflow: await probeMlflow(),
    stateDir: stateDir(),
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const b = report.backend;
    const lines = [`node            ${report.node} (${report.platform})`];
    if ('error' in b) lines.push(`backend         UNAVAILABLE: ${b.error}`);
    else {
      lines.push(
        `backend         ${b.name}${b.name === 'tensorflow' ? '' : '  <-- not native!'}`,
        `tensorflow      ${b.tensorflowVersion ?? '-'} (tfjs ${b.tfjsVersion})`,
        `libtensorflow   from the ${b.libtensorflowSource}`,
        `variant         ${b.variant}${b.cuda ? ` (CUDA ${b.cuda}, cuDNN ${b.cudnn ?? '?'} from the nvidia-*-cu12 wheels)` : ''}`,
        `devices         ${b.devices.join(', ')}${b.nvidiaSmi ? '' : ' (no NVIDIA GPU detected: nvidia-smi not found)'}`,
        ...b.gpus.map((g) => `gpu             ${g}`),
      );
    }
    const f = report.bf16;
    const has = (on: boolean) => (on ? 'yes' : 'no');
    lines.push(
      `bfloat16        ${f.available ? 'available: training.precision mixed_bfloat16 trains in bf16' : `not available (mixed_bfloat16 trains in float32): ${f.reason}`}`,
      `                CPU AVX512-BF16 ${has(f.avx512_bf16)}, AMX-BF16 ${has(f.amx_bf16)}, AMX-TILE ${has(f.amx_tile)}; TensorFlow bf16 Conv2D ${f.tensorflow === null ? 'not tried' : has(f.tensorflow)}`,
    );
    const m = report.mlflow;
    lines.push(
      `mlflow venv     ${m.venvBinary ? `${m.venvBinary} (${m.venvVersion})` : 'missing: run `npm run setup`'}`,
      `tracking        ${m.trackingUri ?? `embedded local server (state in ${report.stateDir})`}`,
    );
    if (m.trackingUri) lines.push(`server          ${m.reachable ? `reachable, MLflow ${m.serverVersion ?? '?'}` : `unreachable: ${m.error ?? ''}`}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return !('error' in report.backend) && report.mlflow.venvBinary !== null;
}
