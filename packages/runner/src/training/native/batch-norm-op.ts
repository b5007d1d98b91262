// Batch normalisation over the last axis as TensorFlow's FusedBatchNormV3 and its gradient FusedBatchNormGradV3:
// one kernel each way instead of tfjs's moments → batchNorm composite and the dozen kernels of its gradient
// (mean, square, sub, mul, … and their broadcasts). In training mode it normalises with the batch's mean and
// biased variance — tfjs's tf.moments, which FusedBatchNormV3 returns as reserve_space_1/2 on CPU — and hands
// those to the caller, which updates the moving averages as tfjs does (`updateMovingAverage`); its gradient
// flows through the batch statistics, as tfjs's does through moments. In inference mode it normalises with the
// moving statistics, constants to the gradient. A following max pooling and ReLU can run in the same tape entry
// (pooled before the ReLU, which commute as both are monotonic), like nativeConvPool.
// Under mixed bfloat16 the activations are bf16 (T) while scale, offset and the statistics stay float32 (U), as
// Keras's fused batch norm runs under its mixed policy.
import * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';
import { boundaryCasts, differentiable, maxPoolAttrs, type Bf16Edges, type ComputeDtype, type GradNeeds, type MaxPoolSpec } from './layer-ops.js';

/** How a batch-norm step runs. */
export interface BatchNormSpec {
  epsilon: number;
  /** Batch statistics (training) or the moving ones (inference). */
  training: boolean;
  /** Max pooling after the normalisation (4-D inputs only; needs hasMklMaxPool). */
  pool?: MaxPoolSpec | null;
  relu: boolean;
}

/** The layer's weights: scale (gamma) and offset (beta) when the layer has them, and the moving statistics. */
export interface BatchNormWeights {
  gamma: tf.Tensor1D | null;
  beta: tf.Tensor1D | null;
  movingMean: tf.Tensor1D;
  movingVariance: tf.Tensor1D;
}

/** A batch's mean and biased variance, for the moving averages (the caller disposes them). */
export type BatchStats = { mean: tf.Tensor1D; variance: tf.Tensor1D };

/** The 4-D NHWC shape FusedBatchNormV3 takes for an input normalised over its last axis (rank 2 to 4). */
function shape4d(shape: number[]): number[] {
  if (shape.length === 4) return shape;
  if (shape.length === 3) return [shape[0], shape[1], 1, shape[2]];
  return [shape[0], 1, 1, shape[1]];
}

/**
 * Batch norm over the last axis of a rank 2–4 input, then optional max pooling and ReLU, as FusedBatchNormV3 and
 * FusedBatchNormGradV3; in training mode `onStats` receives the batch statistics after the forward. `edges` as
 * layer-ops.ts's nativeConv2d.
 */
export function nativeBatchNorm(nt: NativeOps, spec: BatchNormSpec, compute: ComputeDtype = 'float32') {
  const T = nt.type('T', compute);
  const common: OpAttr[] = [T, nt.type('U'), nt.float('epsilon', spec.epsilon), nt.str('data_format', 'NHWC'), nt.bool('is_training', spec.training)];
  const forwardAttrs: OpAttr[] = [...common, nt.float('exponential_avg_factor', 1)];
  const plain: OpAttr[] = [T];
  const poolA = spec.pool ? maxPoolAttrs(nt, spec.pool, compute) : null;
  const reshape = (t: tf.Tensor, shape: number[]) => nt.run('Reshape', [t, tf.tensor1d(shape, 'int32')], [T, nt.type('Tshape', 'int32')]);
  return (x: tf.Tensor, w: BatchNormWeights, needs: GradNeeds, edges?: Bf16Edges, onStats?: (s: BatchStats) => void): tf.Tensor => {
    if (poolA && x.rank !== 4) throw new Error('batch norm with pooling needs a 4-D input');
    const cast = boundaryCasts(nt, compute, edges);
    const channels = x.shape[x.rank - 1];
    const inputs = [...(needs.input ? [x] : []), ...(w.gamma ? [w.gamma] : []), ...(w.beta ? [w.beta] : [])];
    let stats: BatchStats | undefined;
    const y = differentiable(
      inputs,
      () => {
        // A layer without scale or offset normalises with scale 1 and offset 0 (constants: no gradient is returned).
        const scale = w.gamma ?? tf.ones([channels]);
        const offset = w.beta ?? tf.zeros([channels]);
        const x4 = x.rank === 4 ? cast.input(x) : reshape(cast.input(x), shape4d(x.shape));
        const [mean, variance] = spec.training ? [tf.tensor1d([]), tf.tensor1d([])] : [w.movingMean, w.movingVariance];
        const [n, , , savedMean, savedVar, reserve] = nt.runN('FusedBatchNormV3', [x4, scale, offset, mean, variance], forwardAttrs, 6);
        if (spec.training) stats = { mean: tf.keep(savedMean) as tf.Tensor1D, variance: tf.keep(savedVar) as tf.Tensor1D };
        // The gradient's reserve spaces: the batch statistics in training, the moving ones (constants) in inference.
        const [r1, r2] = spec.training ? [savedMean, savedVar] : [w.movingMean, w.movingVariance];
        let out = n;
        let pooled: tf.Tensor[] = [];
        if (poolA) {
          const [p, workspace] = nt.runN('_MklNativeMaxPool', [n], poolA, 2);
          pooled = [p, workspace];
          out = p;
        }
        if (spec.relu) out = nt.run('Relu', [out], plain);
        const value = x.rank === 4 ? out : reshape(out, x.shape);
        return { value: cast.output(value), save: [x4, scale, r1, r2, reserve, n, out, ...pooled] };
      },
      (dy, [x4, scale, r1, r2, reserve, n, out, p, workspace]) => {
        let d = cast.outputGrad(dy);
        if (x.rank !== 4) d = reshape(d, x4.shape);
        if (spec.relu) d = nt.run('ReluGrad', [d, out], plain);
        if (poolA) d = nt.run('_MklNativeMaxPoolGrad', [n, p, d, workspace], poolA);
        const [dx, dScale, dOffset] = nt.runN('FusedBatchNormGradV3', [d, x4, scale, r1, r2, reserve], common, 5);
        const dInput = () => cast.inputGrad(x.rank === 4 ? dx : reshape(dx, x.shape));
        return [...(needs.input ? [dInput()] : []), ...(w.gamma ? [dScale] : []), ...(w.beta ? [dOffset] : [])];
      },
    );
    if (stats) {
      onStats?.(stats);
      tf.dispose([stats.mean, stats.variance]);
    }
    return y;
  };
}

/** A variable as tfjs-layers holds it (LayerVariable). */
interface Writable {
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/**
 * tfjs's BatchNormalization update of a moving statistic, op for op: v ← v − (v − value)·(1 − momentum).
 * (tfjs-layers keeps it inside the layer's call, so a native step must repeat it.)
 */
export function updateMovingAverage(variable: Writable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const orig = variable.read();
    variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - momentum)));
  });
}
