// Each update rule of training.optimizer against the same rule computed by hand in float64 for a few steps:
// AdamW (decoupled weight decay, Keras's semantics), SGD with momentum and Nesterov, and the three clippings.
import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '@xp/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AdamWOptimizer } from './adamw.js';
import { clipGradients } from './gradient-clipping.js';
import { setLearningRate } from './learning-rate.js';
import { NativeAdamOptimizer } from './native-adam.js';
import { observeNativeOps } from './native/exec.js';
import { createOptimizer } from './optimizer.js';

const SHAPES = [[2, 3], [3]];
const init = (i: number) => Array.from({ length: SHAPES[i].reduce((a, b) => a * b, 1) }, (_, j) => 0.5 - 0.3 * j + 0.2 * i);
/** The gradient of weight `i` at `step`: fixed numbers, large enough for the clippings to bite. */
const grad = (step: number, i: number) => init(i).map((_, j) => 3 * Math.sin(step * 7 + j * 1.3 + i));

type Rule = (w: number[][], g: (number[] | null)[], step: number, lr: number) => void;

/** Runs `opt` on two weights for `steps` steps (learning rate `lrAt(step)`), and the hand rule on float64 copies. */
function compare(opt: tf.Optimizer, rule: Rule, steps: number, lrAt: (step: number) => number = () => 0.1, frozen: number[] = []) {
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(init(i), s)));
  const ref = SHAPES.map((_, i) => init(i));
  for (let step = 0; step < steps; step++) {
    setLearningRate(opt, lrAt(step));
    const g = SHAPES.map((_, i) => (frozen.includes(i) ? null : grad(step, i)));
    tf.tidy(() => opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: g[i] && tf.tensor(g[i], SHAPES[i]) })) as { name: string; tensor: tf.Tensor }[]));
    rule(ref, g, step, lrAt(step));
  }
  const got = vars.map((v) => Array.from(v.dataSync()));
  tf.dispose(vars);
  opt.dispose();
  got.forEach((w, i) => w.forEach((x, j) => expect(x, `weight ${i}[${j}]`).toBeCloseTo(ref[i][j], 5)));
  return { got, ref };
}

/** Keras's AdamW: w ← w − lr·wd·w, then Adam with bias-corrected moments. */
function adamwRule(wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): Rule {
  const m: number[][] = SHAPES.map((_, i) => init(i).map(() => 0));
  const v: number[][] = SHAPES.map((_, i) => init(i).map(() => 0));
  return (w, g, step, lr) =>
    w.forEach((wi, i) => {
      const gi = g[i];
      if (!gi) return;
      wi.forEach((x, j) => {
        const decayed = x - lr * wd * x;
        m[i][j] = b1 * m[i][j] + (1 - b1) * gi[j];
        v[i][j] = b2 * v[i][j] + (1 - b2) * gi[j] ** 2;
        const mHat = m[i][j] / (1 - b1 ** (step + 1));
        const vHat = v[i][j] / (1 - b2 ** (step + 1));
        wi[j] = decayed - (lr * mHat) / (Math.sqrt(vHat) + eps);
      });
    });
}

/** Keras's SGD: velocity ← momentum·velocity − lr·g; w ← w + velocity (Nesterov: w ← w + momentum·velocity − lr·g). */
function sgdRule(momentum: number, nesterov: boolean): Rule {
  const vel: number[][] = SHAPES.map((_, i) => init(i).map(() => 0));
  return (w, g, _step, lr) =>
    w.forEach((wi, i) =>
      wi.forEach((x, j) => {
        const gij = g[i]![j];
        vel[i][j] = momentum * vel[i][j] - lr * gij;
        wi[j] = nesterov ? x + momentum * vel[i][j] - lr * gij : x + vel[i][j];
      }),
    );
}

const sgd = (o: Partial<Extract<OptimizerConfig, { type: 'sgd' }>>): OptimizerConfig => ({ type: 'sgd', learning_rate: 0.1, momentum: 0, nesterov: false, ...o });
const adamw = (o: Partial<Extract<OptimizerConfig, { type: 'adamw' }>>): OptimizerConfig => ({ type: 'adamw', learning_rate: 0.1, weight_decay: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, ...o });

afterEach(() => observeNativeOps(null));

describe('AdamW', () => {
  it('on the native backend: Keras AdamW by hand for 4 steps, with one kernel more per weight than Adam', () => {
    const ops: string[] = [];
    observeNativeOps((op) => void ops.push(op));
    const opt = createOptimizer(adamw({}));
    expect(opt).toBeInstanceOf(NativeAdamOptimizer);
    compare(opt, adamwRule(0.05), 4);
    expect(ops.filter((o) => o === 'ResourceApplyAdam')).toHaveLength(8);
    expect(ops.filter((o) => o === 'ResourceApplyGradientDescent')).toHaveLength(8);
  });

  it('decays with the learning rate of each step (a schedule changes both)', () => {
    compare(createOptimizer(adamw({ weight_decay: 0.2 })), adamwRule(0.2), 4, (s) => [0.1, 0.05, 0.02, 0.2][s]);
  });

  it('leaves a weight without a gradient (frozen) exactly as it was: no update and no decay', () => {
    const { got } = compare(createOptimizer(adamw({ weight_decay: 0.5 })), adamwRule(0.5), 3, undefined, [1]);
    expect(got[1]).toEqual(Array.from(new Float32Array(init(1))));
  });

  it('the tfjs implementation (backends without native ops) is the same rule', () => {
    compare(new AdamWOptimizer(0.1, 0.9, 0.999, 1e-7, 0.05), adamwRule(0.05), 4, (s) => [0.1, 0.05, 0.02, 0.2][s]);
  });

  it('weight_decay 0 is Adam', () => {
    compare(createOptimizer(adamw({ weight_decay: 0 })), adamwRule(0), 4);
  });
});

describe('SGD', () => {
  it.each([
    ['plain', 0, false],
    ['momentum 0.9', 0.9, false],
    ['Nesterov momentum 0.9', 0.9, true],
  ] as const)('%s: Keras SGD by hand for 5 steps', (_, momentum, nesterov) => {
    compare(createOptimizer(sgd({ momentum, nesterov })), sgdRule(momentum, nesterov), 5);
  });
});

describe('gradient clipping', () => {
  const norm = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0));
  /** clipGradients on the step-0 gradients, as plain arrays (null stays null). */
  function clipped(o: Parameters<typeof clipGradients>[1], frozen: number[] = []) {
    return tf.tidy(() =>
      clipGradients(
        SHAPES.map((s, i) => ({ name: `w${i}`, tensor: frozen.includes(i) ? null : tf.tensor(grad(0, i), s) })),
        o,
      ).map((g) => (g.tensor ? Array.from(g.tensor.dataSync()) : null)),
    );
  }
  const g = SHAPES.map((_, i) => grad(0, i));

  it('clipnorm scales each gradient whose norm exceeds it to that norm, and leaves smaller ones alone', () => {
    const c = norm(g[1]) * 1.01; // above gradient 1's norm, below gradient 0's
    expect(norm(g[0])).toBeGreaterThan(c);
    const [a, b] = clipped({ clipnorm: c });
    a!.forEach((x, j) => expect(x).toBeCloseTo((g[0][j] * c) / norm(g[0]), 5));
    b!.forEach((x, j) => expect(x).toBeCloseTo(g[1][j], 5));
  });

  it('global_clipnorm scales all gradients by one factor: their joint norm over the limit', () => {
    const total = norm([...g[0], ...g[1]]);
    const out = clipped({ global_clipnorm: 1 });
    out.forEach((gi, i) => gi!.forEach((x, j) => expect(x).toBeCloseTo(g[i][j] / total, 5)));
    // Under the limit nothing changes.
    clipped({ global_clipnorm: total * 2 }).forEach((gi, i) => gi!.forEach((x, j) => expect(x).toBeCloseTo(g[i][j], 5)));
  });

  it('global_clipnorm counts only the gradients present (a frozen weight has none)', () => {
    const out = clipped({ global_clipnorm: 1 }, [0]);
    expect(out[0]).toBeNull();
    out[1]!.forEach((x, j) => expect(x).toBeCloseTo(g[1][j] / norm(g[1]), 5));
  });

  it('clipvalue clips each element to [-clipvalue, clipvalue]', () => {
    clipped({ clipvalue: 1 }).forEach((gi, i) => gi!.forEach((x, j) => expect(x).toBeCloseTo(Math.max(-1, Math.min(1, g[i][j])), 6)));
  });

  it('an optimizer from the config applies the clipped gradient: SGD with clipvalue by hand', () => {
    const clip = (gs: (number[] | null)[]) => gs.map((gi) => gi && gi.map((x) => Math.max(-0.5, Math.min(0.5, x))));
    const rule = sgdRule(0.9, true);
    compare(createOptimizer({ ...sgd({ momentum: 0.9, nesterov: true }), clipvalue: 0.5 }), (w, gs, s, lr) => rule(w, clip(gs), s, lr), 4);
  });

  it('AdamW with global_clipnorm by hand', () => {
    const rule = adamwRule(0.05);
    const clip = (gs: (number[] | null)[]) => {
      const total = norm(gs.flatMap((x) => x ?? []));
      return gs.map((gi) => gi && gi.map((x) => (x * 2) / Math.max(total, 2)));
    };
    compare(createOptimizer({ ...adamw({}), global_clipnorm: 2 }), (w, gs, s, lr) => rule(w, clip(gs), s, lr), 4);
  });
});
