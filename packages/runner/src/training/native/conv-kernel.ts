// Whether a run's convolutions run as oneDNN's fused conv+bias+ReLU kernel: `training.conv_kernel` as asked, given
// the precision the run trains in and whether the fused kernel runs here. Under `auto`, bfloat16 fuses because
// TensorFlow's bf16 BiasAdd and Relu are slow Eigen kernels (2–3× the convolution itself, layer-ops.ts) and float32
// does not, because it measured no faster there (bench/ratio.mjs, docs/performance.md).
import type { ConvKernel, Precision } from '@xp/core';
import { nativeOps } from './exec.js';
import { hasFusedConv } from './layer-ops.js';

/** Whether to fuse: `fused`/`separate` as asked, `auto` by precision; false with a log line where it cannot run. */
export function resolveConvKernel(
  asked: ConvKernel | undefined,
  precision: Precision,
  log: (m: string) => void,
  available: () => boolean = () => {
    const nt = nativeOps();
    return nt !== undefined && hasFusedConv(nt);
  },
): boolean {
  const kernel = asked ?? 'auto';
  const want = kernel === 'fused' || (kernel === 'auto' && precision === 'mixed_bfloat16');
  if (!want) return false;
  if (available()) return true;
  log(
    `conv_kernel: running convolutions, bias and ReLU as separate ops: oneDNN's fused kernel does not run here ` +
      `(TF_ENABLE_ONEDNN_OPTS=0, a backend other than tensorflow, or an addon built without xp's patch; run \`npm run setup\`)`,
  );
  return false;
}
