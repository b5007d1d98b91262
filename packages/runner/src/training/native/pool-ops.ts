// Average pooling and global average/max pooling (NHWC) as native ops with TensorFlow's gradients, each one tape
// entry: AvgPool/AvgPoolGrad, and for the global pools a reduction over the spatial axes whose gradient is built
// from the same few kernels TensorFlow's graph runs (a broadcast for the mean; for the max, the gradient shared
// among the positions equal to the maximum, as TensorFlow's Max gradient does). float32.
import * as tf from '@tensorflow/tfjs';
import type { OpAttr } from '@xp/data';
import type { NativeOps } from './exec.js';
import { differentiable, int32Shape } from './layer-ops.js';

/** Average-pooling settings (NHWC). */
export interface AvgPoolSpec {
  pool: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}

/** Average pooling as AvgPool, its gradient AvgPoolGrad (both count only the input's cells under 'same' padding, as tfjs does). */
export function nativeAvgPool(nt: NativeOps, spec: AvgPoolSpec) {
  const attrs: OpAttr[] = [
    nt.type('T'),
    nt.int('ksize', [1, spec.pool[0], spec.pool[1], 1]),
    nt.int('strides', [1, spec.strides[0], spec.strides[1], 1]),
    nt.str('padding', spec.padding.toUpperCase()),
    nt.str('data_format', 'NHWC'),
  ];
  return (x: tf.Tensor4D): tf.Tensor4D =>
    differentiable(
      [x],
      () => ({ value: nt.run('AvgPool', [x], attrs), save: [] }),
      (dy) => [nt.run('AvgPoolGrad', [int32Shape(x), dy], attrs)],
    ) as tf.Tensor4D;
}

const spatial = () => tf.tensor1d([1, 2], 'int32');

/** Global pooling of [N, H, W, C] to [N, C]: the mean or the maximum over H and W. */
export function nativeGlobalPool(nt: NativeOps, kind: 'avg' | 'max') {
  const T = nt.type('T');
  const plain: OpAttr[] = [T];
  const reduce = (keep: boolean): OpAttr[] => [T, nt.type('Tidx', 'int32'), nt.bool('keep_dims', keep)];
  const reshape = (t: tf.Tensor, shape: number[]) => nt.run('Reshape', [t, tf.tensor1d(shape, 'int32')], [T, nt.type('Tshape', 'int32')]);
  return (x: tf.Tensor4D): tf.Tensor2D => {
    const [n, h, w, c] = x.shape;
    if (kind === 'avg') {
      return differentiable(
        [x],
        () => ({ value: nt.run('Mean', [x, spatial()], reduce(false)), save: [] }),
        // Each cell gets dy / (H·W).
        (dy) => [nt.run('BroadcastTo', [nt.run('Mul', [reshape(dy, [n, 1, 1, c]), tf.scalar(1 / (h * w))], plain), int32Shape(x)], [T, nt.type('Tidx', 'int32')])],
      ) as tf.Tensor2D;
    }
    return differentiable(
      [x],
      () => {
        const m = nt.run('Max', [x, spatial()], reduce(true));
        return { value: reshape(m, [n, c]), save: [x, m] };
      },
      // TensorFlow's Max gradient: dy shared equally among the cells equal to the maximum. tfjs gives each of them
      // all of dy; ties are rare except at a ReLU's zero, whose gradient stops there either way. Built from tfjs
      // ops (tfjs-node runs each as the TensorFlow op of that name): Equal's bool output has no NativeOps dtype.
      (dy, [xs, m]) => {
        const winners = tf.cast(tf.equal(xs, m), 'float32');
        return [tf.div(tf.mul(winners, tf.reshape(dy, [n, 1, 1, c])), tf.sum(winners, [1, 2], true))];
      },
    ) as tf.Tensor2D;
  };
}
