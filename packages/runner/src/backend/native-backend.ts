// Loads the TensorFlow backend. The native addon is imported lazily so that thread settings (read by
// TensorFlow from the environment when it starts) can be applied first, and so that `xp validate` and
// `xp --help` never pay for loading libtensorflow.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { XpError } from '@xp/core';

export type BackendName = 'tensorflow' | 'cpu';

export interface BackendInfo {
  name: string;
  tfjsVersion: string;
  /** Version of the libtensorflow the addon runs on (native backend only). */
  tensorflowVersion: string | null;
  /** Where libtensorflow came from: the package's download or the PyPI wheel (see scripts/setup-native-tf.mjs). */
  libtensorflowSource: string;
  gpu: boolean;
  devices: string[];
  nvidiaSmi: boolean;
  /** Which build of the addon: `cpu` (tensorflow-cpu wheel), `gpu` (tensorflow wheel + CUDA wheels), `download`. */
  variant: string;
  /** CUDA runtime and cuDNN versions the gpu build was staged with (from the nvidia-*-cu12 wheels), else null. */
  cuda: string | null;
  cudnn: string | null;
  /** The NVIDIA GPUs `nvidia-smi -L` lists ([] without nvidia-smi). */
  gpus: string[];
}

export class BackendError extends XpError {
  constructor(message: string) {
    super('XP_BACKEND', message);
  }
}

const require = createRequire(import.meta.url);

/** What scripts/setup-native-tf.mjs recorded about the addon it set up (deps/xp-source.json). */
interface AddonMarker {
  source: string;
  libtensorflow?: string;
  variant?: string;
  cuda?: string;
  cudnn?: string;
}

function addonMarker(): AddonMarker | null {
  try {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-node-gpu/package.json'));
    return JSON.parse(fs.readFileSync(path.join(dir, 'deps', 'xp-source.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** `nvidia-smi -L`'s lines (one per GPU), or null when nvidia-smi is missing or fails. */
function nvidiaSmiGpus(): string[] | null {
  const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : null;
}

/** Loads and activates a backend; the native one unless `cpu` is asked for explicitly. */
export async function loadBackend(want: BackendName, threads: { intra_op?: number; inter_op?: number } = {}): Promise<BackendInfo> {
  if (want === 'tensorflow') {
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    if (threads.intra_op) process.env.TF_NUM_INTRAOP_THREADS = String(threads.intra_op);
    if (threads.inter_op) process.env.TF_NUM_INTEROP_THREADS = String(threads.inter_op);
    try {
      await import('@tensorflow/tfjs-node-gpu');
    } catch (e) {
      throw new BackendError(
        `the native TensorFlow addon (@tensorflow/tfjs-node-gpu) did not load: ${(e as Error).message.split('\n')[0]}\n` +
          'Run `npm run setup` to build it (it takes libtensorflow from the TensorFlow wheel when the download is not possible).',
      );
    }
    await tf.setBackend('tensorflow');
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return describeBackend();
}

/** Describes the active backend. */
export function describeBackend(): BackendInfo {
  const name = tf.getBackend();
  const native = name === 'tensorflow';
  const b = tf.backend() as unknown as { binding?: { TF_Version?: string }; isUsingGpuDevice?: boolean };
  const gpu = native && Boolean(b.isUsingGpuDevice);
  const marker = native ? addonMarker() : null;
  const gpus = nvidiaSmiGpus();
  return {
    name,
    tfjsVersion: tf.version_core,
    tensorflowVersion: native ? (b.binding?.TF_Version ?? null) : null,
    libtensorflowSource: native ? (marker ? `${marker.source} (${marker.libtensorflow ?? 'libtensorflow'})` : 'download (no xp marker)') : 'n/a',
    gpu,
    devices: native ? (gpu ? ['CPU:0', 'GPU:0'] : ['CPU:0']) : ['js-cpu'],
    nvidiaSmi: gpus !== null,
    variant: marker ? (marker.variant ?? (marker.source === 'download' ? 'download' : 'cpu')) : 'n/a',
    cuda: marker?.cuda ?? null,
    cudnn: marker?.cudnn ?? null,
    gpus: gpus ?? [],
  };
}

/** One loud line saying which backend trains. */
export function backendBanner(info: BackendInfo): string {
  if (info.name !== 'tensorflow') {
    return `backend: ${info.name} (pure JavaScript — very slow; for debugging only)`;
  }
  return `backend: tensorflow (native TensorFlow ${info.tensorflowVersion}, ${info.gpu ? 'GPU' : 'CPU'}; libtensorflow from the ${info.libtensorflowSource})`;
}
