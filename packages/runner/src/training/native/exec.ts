// TensorFlow ops by name on tfjs-node's backend. tfjs-node implements several kernels as slow composites
// (e.g. the ReLU gradient builds a tensor of ones in JavaScript) and exposes none of TensorFlow's fused or
// oneDNN kernels; its generic executor reaches all of them. Tensors it returns are ordinary tfjs tensors
// (tracked by tidy/dispose), so these ops mix freely with tfjs ones.
import type * as tf from '@tensorflow/tfjs';
import { nativeBackend, type NativeBackend, type OpAttr } from '@xp/data';

/** Told of every native op run, with its wall time (eager CPU ops finish before they return). */
export type NativeOpObserver = (op: string, inputs: tf.Tensor[], ms: number) => void;

let observer: NativeOpObserver | null = null;

/** Installs (or, with null, removes) the observer of native ops: a profiling hook, see bench/step-profile.mjs. */
export function observeNativeOps(o: NativeOpObserver | null): void {
  observer = o;
}

/** Runs TensorFlow ops by name and builds their attributes. */
export class NativeOps {
  constructor(private readonly backend: NativeBackend) {}

  /** Runs an op with one output. */
  run(op: string, inputs: tf.Tensor[], attrs: OpAttr[]): tf.Tensor {
    if (!observer) return this.backend.executeSingleOutput(op, attrs, inputs);
    const t0 = performance.now();
    const out = this.backend.executeSingleOutput(op, attrs, inputs);
    observer(op, inputs, performance.now() - t0);
    return out;
  }

  /** Runs an op with `n` outputs (0 for ops that only update resources). */
  runN(op: string, inputs: tf.Tensor[], attrs: OpAttr[], n: number): tf.Tensor[] {
    if (!observer) return this.backend.executeMultipleOutputs(op, attrs, inputs, n);
    const t0 = performance.now();
    const out = this.backend.executeMultipleOutputs(op, attrs, inputs, n);
    observer(op, inputs, performance.now() - t0);
    return out;
  }

  /** A type attribute (float32 unless `int32`). */
  type(name: string, dtype: 'float32' | 'int32' = 'float32'): OpAttr {
    const b = this.backend.binding;
    return { name, type: b.TF_ATTR_TYPE, value: dtype === 'int32' ? b.TF_INT32 : b.TF_FLOAT };
  }

  int(name: string, value: number | number[]): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_INT, value };
  }

  str(name: string, value: string): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_STRING, value };
  }

  bool(name: string, value: boolean): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_BOOL, value };
  }

  shape(name: string, dims: number[]): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_SHAPE, value: dims };
  }
}

let cached: { backend: NativeBackend; ops: NativeOps } | undefined;

/**
 * The native ops of the active backend, or undefined when it is not tfjs-node's `tensorflow` or when
 * `XP_NATIVE_KERNELS=0` asks for tfjs's own kernels (to compare, or to rule these out when debugging).
 */
export function nativeOps(): NativeOps | undefined {
  if (process.env.XP_NATIVE_KERNELS === '0') return undefined;
  const backend = nativeBackend();
  if (!backend) return undefined;
  if (cached?.backend !== backend) cached = { backend, ops: new NativeOps(backend) };
  return cached.ops;
}
