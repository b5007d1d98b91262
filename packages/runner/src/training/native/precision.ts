// Which precision a run trains in: `training.precision` as asked, unless this machine cannot run bfloat16.
// mixed_bfloat16 needs the native ops (the tfjs kernels have no bf16), a CPU with AVX512-BF16 or AMX-BF16 (without
// them oneDNN emulates bf16 and it is slower than float32), and a TensorFlow that runs a bf16 Conv2D (probed
// once). Where one is missing, xp trains in float32 and says so, or fails before training when
// `training.precision_fallback: error` insists.
import { XpError, type Precision } from '@xp/core';
import { cpuBf16Flags, probeBf16Conv, type CpuBf16Flags } from './bfloat16.js';
import { nativeOps } from './exec.js';

/** Whether bfloat16 training is available here, and what decided it. */
export interface Bf16Support extends CpuBf16Flags {
  /** Whether a bfloat16 Conv2D ran on the native backend (null when the CPU flags or the backend already rule it out). */
  tensorflow: boolean | null;
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
}

/** Probes bfloat16 support: CPU flags (from `cpuinfo`, default /proc/cpuinfo), then one bf16 Conv2D on the active backend. */
export function bf16Support(cpuinfo?: string): Bf16Support {
  const flags = cpuBf16Flags(cpuinfo);
  if (!flags.avx512_bf16 && !flags.amx_bf16) {
    return { ...flags, tensorflow: null, available: false, reason: 'the CPU has neither AVX512-BF16 nor AMX-BF16 (/proc/cpuinfo flags avx512_bf16, amx_bf16)' };
  }
  const nt = nativeOps();
  if (!nt) return { ...flags, tensorflow: null, available: false, reason: 'bfloat16 runs on native TensorFlow ops only: the backend is not `tensorflow`, or XP_NATIVE_KERNELS=0' };
  const problem = probeBf16Conv(nt);
  return problem ? { ...flags, tensorflow: false, available: false, reason: problem } : { ...flags, tensorflow: true, available: true };
}

/** The training section's precision settings. */
export interface PrecisionSettings {
  precision?: Precision;
  precision_fallback?: 'float32' | 'error';
}

export class PrecisionUnavailableError extends XpError {
  constructor(message: string) {
    super('XP_PRECISION_UNAVAILABLE', message);
  }
}

/**
 * The precision to train in: float32 when asked; mixed_bfloat16 when asked and available; otherwise float32 with a
 * log line, or a {@link PrecisionUnavailableError} when `precision_fallback` is `error`.
 */
export function resolvePrecision(t: PrecisionSettings, log: (m: string) => void, support: () => Bf16Support = () => bf16Support()): Precision {
  if ((t.precision ?? 'float32') === 'float32') return 'float32';
  const s = support();
  if (s.available) {
    log(`precision mixed_bfloat16 (bf16 convolutions and matmuls on ${s.amx_bf16 ? 'AMX-BF16' : 'AVX512-BF16'}; weights, optimizer, loss in float32)`);
    return 'mixed_bfloat16';
  }
  if (t.precision_fallback === 'error') {
    throw new PrecisionUnavailableError(
      `training.precision: mixed_bfloat16 is not available here: ${s.reason}. ` +
        'Set training.precision: float32, or training.precision_fallback: float32 to train in float32 where bfloat16 is missing.',
    );
  }
  log(`precision: training in float32, not mixed_bfloat16: ${s.reason} (set training.precision_fallback: error to fail instead)`);
  return 'float32';
}
