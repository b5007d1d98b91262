// Layer normalisation over the last axis as a native op. TensorFlow has no layer-norm kernel, but normalising each
// row of an [M, C] input over its C features is batch norm in training mode with the M rows as channels:
// FusedBatchNormV3 on the input viewed as NCHW [1, M, C, 1] (scale 1, offset 0), and FusedBatchNormGradV3 for its
// input gradient — the whole mean/variance chain in one kernel each way. The layer's own scale (gamma) and offset
// (beta) per feature then apply as a broadcast multiply-add. tfjs's LayerNormalization instead tiles the moments,
// gamma and beta to the input's shape and differentiates the composite. float32.
import * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';
import { differentiable, type GradNeeds } from './layer-ops.js';

/** Layer norm over the last axis of `x` with epsilon `epsilon`, then × gamma + beta (each when given). */
export function nativeLayerNorm(nt: NativeOps, epsilon: number) {
  const T = nt.type('T');
  const plain: OpAttr[] = [T];
  const common: OpAttr[] = [T, nt.type('U'), nt.float('epsilon', epsilon), nt.str('data_format', 'NCHW'), nt.bool('is_training', true)];
  const forwardAttrs: OpAttr[] = [...common, nt.float('exponential_avg_factor', 1)];
  const reshape = (t: tf.Tensor, shape: number[]) => nt.run('Reshape', [t, tf.tensor1d(shape, 'int32')], [T, nt.type('Tshape', 'int32')]);
  const sumRows = (t: tf.Tensor) => nt.run('Sum', [t, tf.tensor1d([0], 'int32')], [T, nt.type('Tidx', 'int32'), nt.bool('keep_dims', false)]);
  return (x: tf.Tensor, gamma: tf.Tensor1D | null, beta: tf.Tensor1D | null, needs: GradNeeds): tf.Tensor => {
    const c = x.shape[x.rank - 1];
    const m = x.size / c;
    return differentiable(
      [...(needs.input ? [x] : []), ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])],
      () => {
        const rows = reshape(x, [1, m, c, 1]);
        const [n, , , mean, variance, reserve] = nt.runN('FusedBatchNormV3', [rows, tf.ones([m]), tf.zeros([m]), tf.tensor1d([]), tf.tensor1d([])], forwardAttrs, 6);
        const normed = reshape(n, [m, c]);
        let y = gamma ? nt.run('Mul', [normed, gamma], plain) : normed;
        if (beta) y = nt.run('AddV2', [y, beta], plain);
        return { value: reshape(y, x.shape), save: [rows, normed, mean, variance, reserve] };
      },
      (dy, [rows, normed, mean, variance, reserve]) => {
        const d = reshape(dy, [m, c]);
        const grads: tf.Tensor[] = [];
        if (needs.input) {
          const dNormed = gamma ? nt.run('Mul', [d, gamma], plain) : d;
          const [dRows] = nt.runN('FusedBatchNormGradV3', [reshape(dNormed, [1, m, c, 1]), rows, tf.ones([m]), mean, variance, reserve], common, 5);
          grads.push(reshape(dRows, x.shape));
        }
        if (gamma) grads.push(sumRows(nt.run('Mul', [d, normed], plain)));
        if (beta) grads.push(sumRows(d));
        return grads;
      },
    );
  };
}
