// Adam whose update is TensorFlow's fused ResourceApplyAdam (one kernel per weight) instead of tfjs's ~13
// elementwise ops per weight. ResourceApplyAdam updates resource variables in place, so each weight gets a
// TensorFlow resource variable next to its tfjs variable, and the moments live in two more; after the update
// the tfjs variable takes a snapshot of the new value (no copy: TensorFlow copies on the next write instead).
//
// The math is tfjs's Adam: w −= lr·m̂/(√v̂ + ε) with bias-corrected moments. ResourceApplyAdam computes
// w −= lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε′), which is the same update when ε′ = ε·√(1−β₂ᵗ); that is the ε passed.
//
// With a weight decay (AdamW, Keras's semantics) each updated weight first becomes w − lr·wd·w, as one more
// kernel on the same resource (ResourceApplyGradientDescent with delta = w).
import * as tf from '@tensorflow/tfjs';
import type { NativeOps } from './native/exec.js';

/** The same identifier as tf.Variable's data id: changes when anything assigns the variable. */
type DataId = object;

/** A named tensor, as optimizers' getWeights/setWeights exchange them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** The resources behind one weight; `synced` is the tfjs value the `weight` resource holds. */
interface Slot {
  name: string;
  weight: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  shape: number[];
  synced: DataId | null;
}

// TensorFlow's name for a resource owned by its handle: freed when the handle tensor is disposed.
const ANONYMOUS = 'cd2c89b7-88b7-44c8-ad83-06c2a9158347';

/** tfjs's Adam with the update of each weight done by TensorFlow's ResourceApplyAdam. */
export class NativeAdamOptimizer extends tf.AdamOptimizer {
  private slots: Slot[] = [];
  /** What the last getWeights returned (owned here, as tfjs's Adam owns the moments it returns). */
  private snapshot: tf.Tensor[] = [];
  /** Moments given by setWeights (all first moments, then all second), written into the resources at the next step. */
  private restored: NamedTensor[] | null = null;

  constructor(
    private readonly nt: NativeOps,
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon?: number,
    /** Decoupled weight decay (AdamW); 0 is Adam. */
    readonly weightDecay = 0,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  private resource(init: tf.Tensor): tf.Tensor {
    const { nt } = this;
    const attrs = [nt.str('container', ''), nt.str('shared_name', ANONYMOUS), nt.type('dtype'), nt.shape('shape', init.shape)];
    const handle = tf.keep(nt.run('VarHandleOp', [], attrs));
    this.assign(handle, init);
    return handle;
  }

  private assign(handle: tf.Tensor, value: tf.Tensor): void {
    this.nt.runN('AssignVariableOp', [handle, value], [this.nt.type('dtype')], 0);
  }

  private read(handle: tf.Tensor): tf.Tensor {
    return this.nt.run('ReadVariableOp', [handle], [this.nt.type('dtype')]);
  }

  private slot(i: number, name: string, value: tf.Variable): Slot {
    let s = this.slots[i];
    if (!s || s.name !== name || !tf.util.arraysEqual(s.shape, value.shape)) {
      if (s) tf.dispose([s.weight, s.m, s.v]);
      const zeros = tf.zerosLike(value);
      s = { name, weight: this.resource(value), m: this.resource(zeros), v: this.resource(zeros), shape: value.shape, synced: value.dataId };
      zeros.dispose();
      this.slots[i] = s;
    }
    return s;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const t = this.iterations + 1;
    const beta1Power = this.beta1 ** t;
    const beta2Power = this.beta2 ** t;
    const restored = this.restored?.length === 2 * named.length ? this.restored : null;
    tf.tidy(() => {
      const scalars = [beta1Power, beta2Power, this.learningRate, this.beta1, this.beta2, this.epsilon * Math.sqrt(1 - beta2Power)].map((x) => tf.scalar(x));
      const attrs = [this.nt.type('T'), this.nt.bool('use_locking', false), this.nt.bool('use_nesterov', false)];
      const decay = this.weightDecay > 0 ? tf.scalar(this.learningRate * this.weightDecay) : null;
      const decayAttrs = [this.nt.type('T'), this.nt.bool('use_locking', false)];
      named.forEach(({ name, tensor: gradient }, i) => {
        if (gradient == null) return;
        const value = tf.engine().registeredVariables[name];
        const s = this.slot(i, name, value);
        if (restored) {
          this.assign(s.m, restored[i].tensor);
          this.assign(s.v, restored[named.length + i].tensor);
        }
        // Someone else (early stopping, a checkpoint) assigned the weight since our last update.
        if (s.synced !== value.dataId) this.assign(s.weight, value);
        if (decay) this.nt.runN('ResourceApplyGradientDescent', [s.weight, decay, value], decayAttrs, 0);
        this.nt.runN('ResourceApplyAdam', [s.weight, s.m, s.v, ...scalars, gradient], attrs, 0);
        value.assign(this.read(s.weight));
        s.synced = value.dataId;
      });
    });
    this.disposeRestored();
    this.incrementIterations();
  }

  /** Iterations, then every first moment, then every second moment, named `<weight>/m` and `<weight>/v` as tfjs's Adam does. */
  override async getWeights(): Promise<NamedTensor[]> {
    const iterations = await this.saveIterations();
    if (this.restored) return [iterations, ...this.restored];
    tf.dispose(this.snapshot);
    const moments = (['m', 'v'] as const).flatMap((key) => this.slots.map((s) => ({ name: `${s.name}/${key}`, tensor: tf.keep(this.read(s[key])) })));
    this.snapshot = moments.map((x) => x.tensor);
    return [iterations, ...moments];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const moments = await this.extractIterations(weightValues);
    this.disposeRestored();
    this.restored = moments.map(({ name, tensor }) => ({ name, tensor: tf.keep(tensor.clone()) }));
  }

  private disposeRestored(): void {
    if (this.restored) tf.dispose(this.restored.map((x) => x.tensor));
    this.restored = null;
  }

  override dispose(): void {
    tf.dispose([...this.slots.flatMap((s) => [s.weight, s.m, s.v]), ...this.snapshot]);
    this.slots = [];
    this.snapshot = [];
    this.disposeRestored();
    super.dispose();
  }
}
