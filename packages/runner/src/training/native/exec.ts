// TensorFlow ops by name on tfjs-node's backend. tfjs-node implements several kernels as slow composites
// (e.g. the ReLU gradient builds a tensor of ones in JavaScript) and exposes none of TensorFlow's fused or
// oneDNN kernels; its generic executor reaches all of them. Tensors it returns are ordinary tfjs tensors
// (tracked by tidy/dispose), so these ops mix freely with tfjs ones.
import type * as tf from '@tensorflow/tfjs';
import { nativeBackend, type NativeBackend, type OpAttr } from '@xp/data';
import { TF_BFLOAT16 } from './bfloat16.js';

/** The dtypes native ops are told about (bfloat16 only on the TensorFlow side; see bfloat16.ts). */
export type NativeDtype = 'float32' | 'int32' | 'bfloat16';

/** Told of every native op run, with its wall time (eager CPU ops finish before they return). */
export type NativeOpObserver = (op: string, inputs: tf.Tensor[], ms: number) => void;

let observer: NativeOpObserver | null = null;

/** Installs (or, with null, removes) the observer of native ops: a profiling hook, see bench/step-profile.mjs. */
export function observeNativeOps(o: NativeOpObserver | null): void {
  observer = o;
}

/** Runs TensorFlow ops by name and builds their attributes. */
export class NativeOps {
  constructor(readonly backend: NativeBackend) {}

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

  /** A type attribute (float32 unless told otherwise). */
  type(name: string, dtype: NativeDtype = 'float32'): OpAttr {
    const b = this.backend.binding;
    return { name, type: b.TF_ATTR_TYPE, value: dtype === 'int32' ? b.TF_INT32 : dtype === 'bfloat16' ? TF_BFLOAT16 : b.TF_FLOAT };
  }

  /** Casts a float tensor to `to` (float32 ↔ bfloat16) with TensorFlow's Cast; the tensor's real type is the other. */
  cast(x: tf.Tensor, to: 'float32' | 'bfloat16'): tf.Tensor {
    const from = to === 'bfloat16' ? 'float32' : 'bfloat16';
    return this.run('Cast', [x], [this.type('SrcT', from), this.type('DstT', to), this.bool('Truncate', false)]);
  }

  int(name: string, value: number | number[]): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_INT, value };
  }

  float(name: string, value: number): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_FLOAT, value };
  }

  str(name: string, value: string): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_STRING, value };
  }
  /** A list(string) attribute: only xp's patched addon passes it (see hasFusedConv). */
  strList(name: string, values: string[]): OpAttr {
    return { name, type: this.backend.binding.TF_ATTR_STRING, value: values };
  }
  /** A list(type) attribute: only xp's patched addon passes it (see hasFusedConv). */
  typeList(name: string, dtypes: NativeDtype[]): OpAttr {
    const one = (d: NativeDtype) => this.type(name, d).value as number;
    return { name, type: this.backend.binding.TF_ATTR_TYPE, value: dtypes.map(one) };
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
