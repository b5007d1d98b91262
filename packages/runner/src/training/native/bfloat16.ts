// bfloat16 on the TensorFlow side of tfjs-node. tfjs has no bfloat16 dtype, and tfjs-node's
// `NodeJSKernelBackend.createOutputTensor` throws `Unknown dtype enum 14` for an op that returns one. But the
// backend passes tensors to TensorFlow ops by handle, so a bf16 tensor made by a native `Cast` can feed native
// bf16 ops and be cast back to float32 without its values ever reaching JavaScript. `allowBf16Outputs` teaches
// the backend to wrap such a handle as a tfjs tensor *labelled* float32 (so tidy/dispose and the gradient tape
// track it like any other); the label is not its real type, so only native ops that are told T=bfloat16 may
// read it. Handed to a tfjs kernel or read back, one fails loudly (`Unhandled TF_DataType: 14`, seen for add,
// reshape and dataSync) rather than computing garbage; the layer ops never let one out (see layer-ops.ts).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from '@xp/data';
import type { NativeOps } from './exec.js';

/** TensorFlow's `TF_BFLOAT16` enum value; tfjs-node's binding exports no constant for it. */
export const TF_BFLOAT16 = 14;

interface OutputMetadata {
  dtype: number;
}

type WithOutputs = NativeBackend & { createOutputTensor(m: OutputMetadata): tf.Tensor; xpBf16?: true };

/** Lets native ops return bfloat16 tensors (labelled float32 in tfjs); idempotent, no effect on other dtypes. */
export function allowBf16Outputs(backend: NativeBackend): void {
  const b = backend as WithOutputs;
  if (b.xpBf16) return;
  const create = b.createOutputTensor.bind(b);
  b.createOutputTensor = (m) => create(m.dtype === TF_BFLOAT16 ? { ...m, dtype: b.binding.TF_FLOAT } : m);
  b.xpBf16 = true;
}

/** The CPU's bfloat16-related feature flags (Linux /proc/cpuinfo). */
export interface CpuBf16Flags {
  avx512_bf16: boolean;
  amx_bf16: boolean;
  amx_tile: boolean;
}

/** Reads the bf16 flags from /proc/cpuinfo's text (all false where it cannot be read, e.g. not Linux). */
export function cpuBf16Flags(cpuinfo?: string): CpuBf16Flags {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const flags = new Set(/^flags\s*:(.*)$/m.exec(text)?.[1].trim().split(/\s+/) ?? []);
  return { avx512_bf16: flags.has('avx512_bf16'), amx_bf16: flags.has('amx_bf16'), amx_tile: flags.has('amx_tile') };
}

const probed = new WeakMap<NativeOps, string | null>();

/**
 * Runs one small bf16 Conv2D (Cast → Conv2D T=bf16 → Cast back) and compares it with the float32 one, once per
 * backend: null when it works, else why not. The CPU flags say the hardware can; this says this TensorFlow
 * build does (its oneDNN kernels are registered for bf16).
 */
export function probeBf16Conv(nt: NativeOps): string | null {
  const known = probed.get(nt);
  if (known !== undefined) return known;
  allowBf16Outputs(nt.backend);
  let result: string | null;
  try {
    const errAndScale = tf.tidy(() => {
      const x = tf.linspace(-1, 1, 2 * 5 * 5 * 3).reshape([2, 5, 5, 3]);
      const k = tf.linspace(-0.5, 0.5, 3 * 3 * 3 * 4).reshape([3, 3, 3, 4]);
      const attrs = (T: 'float32' | 'bfloat16') => [
        nt.type('T', T), nt.int('strides', [1, 1, 1, 1]), nt.bool('use_cudnn_on_gpu', true), nt.str('padding', 'SAME'),
        nt.int('explicit_paddings', []), nt.str('data_format', 'NHWC'), nt.int('dilations', [1, 1, 1, 1]),
      ];
      const ref = nt.run('Conv2D', [x, k], attrs('float32'));
      const got = nt.cast(nt.run('Conv2D', [nt.cast(x, 'bfloat16'), nt.cast(k, 'bfloat16')], attrs('bfloat16')), 'float32');
      return tf.stack([tf.max(tf.abs(tf.sub(got, ref))), tf.max(tf.abs(ref))]);
    });
    const [err, scale] = errAndScale.dataSync();
    errAndScale.dispose();
    result = err <= 2e-2 * scale ? null : `a bfloat16 Conv2D differs from float32 by ${err} (values up to ${scale})`;
  } catch (e) {
    result = `TensorFlow did not run a bfloat16 Conv2D: ${(e as Error).message.split('\n')[0]}`;
  }
  probed.set(nt, result);
  return result;
}
