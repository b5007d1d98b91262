import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeAdamOptimizer } from './native-adam.js';
import { nativeOps, type NativeOps } from './native/exec.js';
import { createOptimizer } from './optimizer.js';
import { setLearningRate } from './learning-rate.js';

const nt = nativeOps() as NativeOps;
const config = { type: 'adam' as const, learning_rate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

afterEach(async () => {
  await tf.setBackend('tensorflow');
});

/** Two weights and a deterministic gradient per step, for two optimizers to train side by side. */
function problem(seed: number) {
  const vars = [tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', seed)), tf.variable(tf.randomNormal([4], 0, 1, 'float32', seed + 1))];
  const grads = (step: number) => vars.map((v, i) => ({ name: v.name, tensor: tf.randomNormal(v.shape, 0, 1, 'float32', 100 * step + i) }));
  return { vars, grads };
}

function stepBoth(a: tf.Optimizer, pa: ReturnType<typeof problem>, b: tf.Optimizer, pb: ReturnType<typeof problem>, step: number) {
  tf.tidy(() => {
    const ga = pa.grads(step);
    a.applyGradients(ga);
    // The same gradient values, named after the other problem's variables.
    b.applyGradients(ga.map((g, i) => ({ name: pb.vars[i].name, tensor: g.tensor })));
  });
}

function expectSameValues(a: tf.Variable[], b: tf.Variable[]) {
  a.forEach((v, i) => {
    const [x, y] = [v.dataSync(), b[i].dataSync()];
    x.forEach((value, j) => expect(value).toBeCloseTo(y[j], 5));
  });
}

describe('NativeAdamOptimizer', () => {
  it('updates weights as tfjs Adam does, through learning-rate changes and outside assignments', () => {
    const [pn, pt] = [problem(1), problem(1)];
    const native = new NativeAdamOptimizer(nt, config.learning_rate, config.beta1, config.beta2, config.epsilon);
    const reference = tf.train.adam(config.learning_rate, config.beta1, config.beta2, config.epsilon);
    for (let step = 0; step < 5; step++) stepBoth(native, pn, reference, pt, step);
    expectSameValues(pn.vars, pt.vars);
    setLearningRate(native, 0.003);
    setLearningRate(reference, 0.003);
    // Early stopping restoring weights: the next update must start from the assigned value.
    tf.tidy(() => [pn, pt].forEach((p) => p.vars[0].assign(tf.fill([3, 4], 0.5))));
    for (let step = 5; step < 8; step++) stepBoth(native, pn, reference, pt, step);
    expectSameValues(pn.vars, pt.vars);
    expect(native.iterations).toBe(8);
    native.dispose();
    reference.dispose();
  });

  it("reports tfjs Adam's weights, and continues from them after setWeights", async () => {
    const [pn, pt] = [problem(2), problem(2)];
    const native = new NativeAdamOptimizer(nt, config.learning_rate, config.beta1, config.beta2, config.epsilon);
    const reference = tf.train.adam(config.learning_rate, config.beta1, config.beta2, config.epsilon);
    for (let step = 0; step < 3; step++) stepBoth(native, pn, reference, pt, step);
    const [wn, wt] = [await native.getWeights(), await reference.getWeights()];
    expect(wn.map((w) => w.name)).toEqual([
      'iter',
      ...pn.vars.map((v) => `${v.name}/m`),
      ...pn.vars.map((v) => `${v.name}/v`),
    ]);
    expect(wn.length).toBe(wt.length);
    wn.forEach((w, i) => {
      const [x, y] = [w.tensor.dataSync(), wt[i].tensor.dataSync()];
      x.forEach((value, j) => expect(value).toBeCloseTo(y[j], 6));
    });
    // A fresh optimizer resumed from those weights trains on exactly like the original one.
    const resumed = new NativeAdamOptimizer(nt, config.learning_rate, config.beta1, config.beta2, config.epsilon);
    await resumed.setWeights(wn);
    native.dispose();
    for (let step = 3; step < 6; step++) stepBoth(resumed, pn, reference, pt, step);
    expectSameValues(pn.vars, pt.vars);
    resumed.dispose();
    reference.dispose();
  });

  it('releases everything it holds on dispose', async () => {
    const p = problem(3);
    const before = tf.memory().numTensors;
    const native = new NativeAdamOptimizer(nt, config.learning_rate, config.beta1, config.beta2, config.epsilon);
    for (let step = 0; step < 2; step++) tf.tidy(() => native.applyGradients(p.grads(step)));
    await native.getWeights();
    native.dispose();
    // The iteration count getWeights returns is the caller's, as with tfjs's Adam.
    expect(tf.memory().numTensors).toBe(before + 1);
  });

  it('is what createOptimizer builds for adam on the native backend, and tfjs Adam elsewhere', async () => {
    const opt = createOptimizer(config);
    // tfjs optimizers answer instanceof by duck typing, so compare constructors.
    expect(opt.constructor).toBe(NativeAdamOptimizer);
    opt.dispose();
    await tf.setBackend('cpu');
    const cpu = createOptimizer(config);
    expect(cpu.constructor).not.toBe(NativeAdamOptimizer);
    expect(cpu.getClassName()).toBe('Adam');
    cpu.dispose();
  });
});
