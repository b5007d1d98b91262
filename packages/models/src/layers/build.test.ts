import * as tf from '@tensorflow/tfjs-node-gpu';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelConfigError } from '../errors.js';
import { buildLayers, layersModel } from './build.js';
import { flattenPlan, layersIssues, planLayers, type PlanNode } from './plan.js';
import type { LayerEntry, LayersConfig } from './schema.js';

// Entries as the schema leaves them: every option with its default filled in.
const conv = (o: Record<string, unknown> = {}) => ({ conv2d: { filters: 4, kernel: 3, stride: 1, padding: 'same', dilation: 1, activation: 'linear', use_bias: true, ...o } });
const dw = (o: Record<string, unknown> = {}) => ({ depthwise_conv2d: { kernel: 3, stride: 1, padding: 'same', dilation: 1, depth_multiplier: 1, activation: 'linear', use_bias: true, ...o } });
const sep = (o: Record<string, unknown> = {}) => ({ separable_conv2d: { filters: 5, kernel: 3, stride: 1, padding: 'same', dilation: 1, depth_multiplier: 1, activation: 'linear', use_bias: true, ...o } });
const pool = (kind: 'max_pool' | 'avg_pool', o: Record<string, unknown> = {}) => ({ [kind]: { size: 2, padding: 'valid', ...o } });
const dense = (o: Record<string, unknown> = {}) => ({ dense: { units: 6, activation: 'linear', use_bias: true, ...o } });
const bn = { batch_norm: { momentum: 0.99, epsilon: 0.001 } };
const ln = { layer_norm: { epsilon: 0.001 } };
const cfg = (layers: LayerEntry[], o: Partial<LayersConfig> = {}): LayersConfig => ({ type: 'layers', layers, weight_decay: 0, length_head: false, ...o });

let built: tf.LayersModel[] = [];
afterEach(() => {
  built.forEach((m) => m.dispose());
  built = [];
});

/** The trunk's flat output (or its slots) as a model that owns, and frees, its layers. */
function build(c: LayersConfig, inputShape: number[], seed?: number, positions?: number) {
  const trunk = buildLayers(c, { inputShape, seed });
  const model = tf.model({ inputs: trunk.input, outputs: positions ? (trunk.slots?.(positions) as tf.SymbolicTensor) : trunk.flat() });
  built.push(model);
  return { trunk, model };
}

/** The tfjs layers a plan node owns (its own, not its children's). */
function ownLayers(model: tf.LayersModel, n: PlanNode): tf.layers.Layer[] {
  const named = (name: string) => model.layers.filter((l) => l.name === name);
  if (n.op === 'residual') return [...named(n.name), ...(n.projection ? named(n.projection.name) : [])];
  return [...named(n.name), ...named(`${n.name}_act`)];
}

/** Asserts that every node's planned output shape and parameter count are the built layers'. */
function expectPlanMatchesModel(c: LayersConfig, inputShape: number[], positions?: number) {
  const plan = planLayers(c, inputShape, positions);
  const { model } = build(c, inputShape, undefined, positions);
  const nodes = [...flattenPlan(plan.nodes), ...(plan.slots ? flattenPlan(plan.slots.perSlot) : [])];
  for (const n of nodes) {
    const layers = ownLayers(model, n);
    expect(layers.length, n.name).toBeGreaterThan(0);
    expect(layers[layers.length - 1].outputShape, n.name).toEqual([null, ...n.output]);
    expect(layers.reduce((a, l) => a + l.countParams(), 0), n.name).toBe(n.params);
  }
  expect(model.countParams()).toBe(nodes.reduce((a, n) => a + n.params, 0));
  return { plan, model, nodes };
}

describe('shape inference agrees with the built tfjs model', () => {
  it.each([
    ['conv2d, same and valid, strides, dilation, no bias', [conv(), conv({ padding: 'valid', kernel: 5 }), conv({ dilation: 2, padding: 'valid' }), conv({ stride: 2 }), conv({ use_bias: false, stride: 3, padding: 'valid' })]],
    ['depthwise_conv2d with a depth multiplier and a stride', [conv(), dw(), dw({ depth_multiplier: 2, stride: 2, padding: 'valid' }), dw({ dilation: 2, use_bias: false })]],
    ['separable_conv2d', [conv(), sep(), sep({ depth_multiplier: 3, stride: 2, padding: 'valid', kernel: 5 }), sep({ use_bias: false })]],
    ['max and average pools, strides and padding', [pool('max_pool'), pool('avg_pool', { size: 3, stride: 1 }), pool('max_pool', { size: 3, padding: 'same' }), pool('avg_pool', { size: 2, stride: 3, padding: 'same' })]],
    ['global average pool', [conv(), { global_avg_pool: {} }, dense()]],
    ['global max pool', [conv(), { global_max_pool: {} }]],
    ['batch and layer norm on maps and vectors', [conv(), bn, ln, { flatten: {} }, dense(), bn, ln]],
    ['dropout and spatial dropout', [conv(), { spatial_dropout: 0.2 }, { dropout: 0.5 }, { flatten: {} }, { dropout: 0.1 }]],
    ['dense with and without bias after flatten', [conv(), { flatten: {} }, dense(), dense({ use_bias: false, units: 3 })]],
    ['every activation, alone and inside conv and dense', [
      ...['linear', 'relu', 'gelu', 'silu', 'swish', 'tanh', 'sigmoid', 'leaky_relu'].flatMap((a) => [{ activation: a }, conv({ activation: a })]),
      { flatten: {} },
      dense({ activation: 'leaky_relu' }),
    ]],
    ['a residual block that keeps the shape', [conv(), { residual: [conv(), bn, { activation: 'relu' }, conv()] }]],
    ['a residual block with a strided projection', [conv(), { residual: [conv({ filters: 8, stride: 2 }), conv({ filters: 8 })] }]],
    ['a residual block of dense layers with a dense projection', [{ flatten: {} }, { residual: [dense({ units: 7 })] }]],
    ['a concat block with an identity branch and a nested residual', [conv(), { concat: [[conv({ filters: 3 })], [], [{ residual: [conv({ filters: 6 })] }, pool('max_pool', { size: 1 })]] }]],
    ['repeated entries', [{ ...conv(), repeat: 3 }, { residual: [conv()], repeat: 2 }, { ...pool('max_pool'), repeat: 2 }]],
  ] as [string, LayerEntry[]][])('%s', (_, layers) => {
    expectPlanMatchesModel(cfg(layers), [16, 20, 2]);
  });

  it('slots and the per-slot layers after them, for the positions the task asks', () => {
    const { plan, model } = expectPlanMatchesModel(cfg([conv({ filters: 3 }), pool('max_pool'), { slots: {} }, dense({ units: 5, activation: 'relu' }), { dropout: 0.3 }, ln, { activation: 'tanh' }]), [8, 24, 1], 3);
    // 4×12×3 map → 3 slots of 4×4×3 columns each.
    expect(plan.slots?.perSlot[0].input).toEqual([3, 48]);
    expect(model.outputs[0].shape).toEqual([null, 3, 5]);
  });

  it('vector inputs (an MLP in YAML)', () => {
    const { model } = expectPlanMatchesModel(cfg([dense({ units: 8, activation: 'relu' }), bn, { dropout: 0.2 }, dense({ units: 4 })]), [10]);
    expect(model.inputs[0].shape).toEqual([null, 10]);
    expect(model.layers[0].name).toBe('features_in');
  });
});

describe('slots put each position in its own row', () => {
  it('row i of the slot features holds the columns of position i', () => {
    const { model } = build(cfg([{ slots: {} }]), [2, 6, 1], undefined, 3);
    // x[r, col] = 10·col + r: position p owns columns 2p and 2p+1.
    const x = tf.tensor4d(Array.from({ length: 12 }, (_, i) => 10 * (i % 6) + Math.floor(i / 6)), [1, 2, 6, 1]);
    const y = model.predict(x) as tf.Tensor;
    expect(y.arraySync()).toEqual([[[0, 10, 1, 11], [20, 30, 21, 31], [40, 50, 41, 51]]]);
    tf.dispose([x, y]);
  });
});

describe('names', () => {
  it('are <kind>_<n> per kind, block children prefixed by the block, explicit names kept, repeats suffixed', () => {
    const layers: LayerEntry[] = [
      conv(),
      { ...conv(), name: 'stem' },
      conv(),
      { residual: [conv(), bn, conv({ filters: 8, stride: 2 })], repeat: 2 },
      { residual: [conv({ filters: 8 })], name: 'block' },
      { concat: [[conv()], []] },
      { ...pool('max_pool'), repeat: 2, name: 'pool' },
    ];
    const names = flattenPlan(planLayers(cfg(layers), [32, 32, 1]).nodes).map((n) => n.name);
    expect(names).toEqual([
      'conv2d_0', 'stem', 'conv2d_1',
      'residual_0', 'residual_0_conv2d_0', 'residual_0_batch_norm_0', 'residual_0_conv2d_1',
      'residual_1', 'residual_1_conv2d_0', 'residual_1_batch_norm_0', 'residual_1_conv2d_1',
      'block', 'block_conv2d_0',
      'concat_0', 'concat_0_b0_conv2d_0',
      'pool_0', 'pool_1',
    ]);
    const { model } = build(cfg(layers), [32, 32, 1]);
    expect(model.getLayer('residual_0_projection').outputShape).toEqual([null, 16, 16, 8]);
  });

  it('are refused when two entries give the same one, or one the model uses itself', () => {
    expect(layersIssues(cfg([{ ...conv(), name: 'a' }, { ...conv(), name: 'a' }]), [8, 8, 1])).toEqual([
      { pointer: '/model/layers/1', message: "model.layers[1]: the layer name 'a' is already used by model.layers[0]; layer names must be unique (freeze and init_from match layers by name), choose another name" },
    ]);
    expect(layersIssues(cfg([{ ...conv(), name: 'flatten' }]), [8, 8, 1])[0].message).toContain("'flatten' is already used by the model itself");
    // An explicit name that an auto name takes later.
    expect(layersIssues(cfg([{ ...conv(), name: 'conv2d_0' }, conv()]), [8, 8, 1])[0].pointer).toBe('/model/layers/1');
  });
});

describe('trainable', () => {
  it('false on an entry freezes its layers; on a block, every layer of the block', () => {
    const { model } = build(cfg([{ ...conv(), trainable: false }, { residual: [conv({ filters: 8, stride: 2 }), bn], trainable: false }, conv()]), [8, 8, 1]);
    const frozen = model.layers.filter((l) => !l.trainable && l.name !== 'image').map((l) => l.name);
    expect(frozen).toEqual(['conv2d_0', 'residual_0_conv2d_0', 'residual_0_projection', 'residual_0_batch_norm_0', 'residual_0']);
    expect(model.getLayer('conv2d_1').trainable).toBe(true);
    // conv2d_1: 3·3·8·4 + 4 = 292 trainable; everything else is fixed.
    expect(model.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0)).toBe(292);
  });
});

describe('buildLayers', () => {
  it('gives identical weights for the same seed and different ones otherwise', () => {
    const c = cfg([conv(), { residual: [conv({ filters: 8, stride: 2 })] }, sep(), { flatten: {} }, dense()]);
    const values = (seed: number) => build(c, [8, 8, 1], seed).model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(values(3)).toEqual(values(3));
    expect(values(3)).not.toEqual(values(4));
  });

  it('puts weight_decay on conv and dense kernels and hands it to the heads', () => {
    const { trunk, model } = build(cfg([conv(), { flatten: {} }, dense()], { weight_decay: 1e-4 }), [8, 8, 1]);
    for (const name of ['conv2d_0', 'dense_0']) expect(model.getLayer(name).getConfig().kernelRegularizer).toMatchObject({ config: { l2: 1e-4 } });
    expect(trunk.kernelRegularizer?.getConfig()).toMatchObject({ l2: 1e-4 });
  });

  it('flattens a list that ends on a map for the task, and asks for a stacked sequence head', () => {
    const { trunk } = build(cfg([conv()]), [8, 8, 1]);
    expect(trunk.featureMap?.shape).toEqual([null, 8, 8, 4]);
    expect(trunk.features().shape).toEqual([null, 256]);
    expect(trunk.heads).toEqual({ kind: 'stacked', hiddenUnits: 0, dropout: 0, lengthHead: false });
    expect(trunk.slots).toBeUndefined();
  });

  it('with slots, refuses a task that asks for one feature vector, and a map whose width does not divide', () => {
    const c = cfg([conv(), { slots: {} }, dense()]);
    const trunk = buildLayers(c, { inputShape: [8, 10, 1] });
    expect(() => trunk.features()).toThrow(/^model\.layers\[1\] \(slots\): slots cut the feature map into sequence positions, which only task: sequence reads/);
    expect(() => trunk.slots?.(3)).toThrow(ModelConfigError);
    try {
      trunk.slots?.(3);
    } catch (e) {
      expect(e).toMatchObject({ pointer: '/model/layers/1', message: expect.stringContaining('its width 10 does not divide by the 3 positions') as unknown });
    }
    const model = tf.model({ inputs: trunk.input, outputs: trunk.slots?.(5) as tf.SymbolicTensor });
    built.push(model);
    expect(model.outputs[0].shape).toEqual([null, 5, 6]);
  });

  it('throws the first shape problem as a config error at its entry, before any weight exists', () => {
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      buildLayers(cfg([conv(), pool('max_pool'), pool('max_pool')]), { inputShape: [3, 8, 1] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelConfigError);
    expect(error).toMatchObject({
      code: 'XP_CONFIG_MODEL_SHAPE',
      pointer: '/model/layers/2',
      message:
        'model.layers[2] (max_pool_1): max_pool: its 2×2 window does not fit the 1×4×4 feature map (output 0×2); remove this pool or one before it, use a smaller size or padding: same, or enlarge the input image',
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('layer list problems', () => {
  const issue = (layers: LayerEntry[], shape = [28, 28, 1]) => layersIssues(cfg(layers), shape);
  it.each([
    ['an unknown kind, with a did-you-mean', [{ conv2: { filters: 3 } }], '/model/layers/0/conv2', /unknown layer 'conv2'; did you mean 'conv2d'\?/],
    ['an entry without a kind', [{ name: 'x' }], '/model/layers/0', /names no layer; start it with one of: conv2d, /],
    ['an entry with two kinds', [{ ...conv(), ...dense() }], '/model/layers/0/dense', /names 2 layers \(conv2d, dense\); one layer per entry/],
    ['dense on a feature map', [conv(), dense()], '/model/layers/1', /dense takes a vector, but its input is the 28×28×4 feature map; put a flatten or global_avg_pool before it/],
    ['a conv after flatten', [{ flatten: {} }, conv()], '/model/layers/1', /conv2d takes a feature map .* but its input is \[784\]/],
    ['a valid conv larger than the map', [conv({ kernel: 29, padding: 'valid' })], '/model/layers/0', /29×29 valid window does not fit the 28×28×1 feature map/],
    ['a dilated strided conv', [conv({ dilation: 2, stride: 2 })], '/model/layers/0', /needs stride 1/],
    ['a global pool on a vector', [{ flatten: {} }, { global_avg_pool: {} }], '/model/layers/1', /global_avg_pool takes a feature map/],
    ['spatial dropout on a vector', [{ flatten: {} }, { spatial_dropout: 0.1 }], '/model/layers/1', /spatial_dropout takes a feature map/],
    ['a residual whose branch flattens', [{ residual: [{ flatten: {} }] }], '/model/layers/0', /residual branch turns the 28×28×1 input into \[784\], which cannot be added/],
    ['a residual whose branch shrinks by a non-stride', [{ residual: [conv({ padding: 'valid' })] }], '/model/layers/0', /into 26×26×4, which cannot be added/],
    ['concat branches of different sizes', [{ concat: [[conv()], [pool('max_pool')]] }], '/model/layers/0', /concat branch 0 gives 28×28×4 but branch 1 gives 14×14×1/],
    ['a problem inside a block, at the child', [{ residual: [conv(), dense()] }], '/model/layers/0/residual/1', /model\.layers\[0\]\.residual\[1\] \(residual_0_dense_0\): dense takes a vector/],
    ['a repeated pool that empties the map, naming the repetition', [{ ...pool('max_pool'), repeat: 6 }], '/model/layers/0', /\(max_pool_4, repeat 5 of 6\): max_pool: its 2×2 window does not fit the 1×1×1/],
    ['slots on a vector', [{ flatten: {} }, { slots: {} }], '/model/layers/1', /slots cut a feature map .* but its input is \[784\]/],
    ['a conv after slots', [{ slots: {} }, conv()], '/model/layers/1', /only dense, dropout, activation, layer_norm may follow slots/],
    ['repeat on slots', [{ slots: {}, repeat: 2 }], '/model/layers/0/repeat', /slots cannot repeat/],
  ] as [string, LayerEntry[], string, RegExp][])('%s', (_, layers, pointer, message) => {
    const [first, ...more] = issue(layers);
    expect(more).toEqual([]);
    expect(first.pointer).toBe(pointer);
    expect(first.message).toMatch(message);
  });

  it('is none for a list that works', () => {
    expect(issue([conv(), { residual: [conv({ stride: 2 })] }, { global_avg_pool: {} }, dense()])).toEqual([]);
  });

  it('is what the registry entry checks, on images and vectors', () => {
    expect(layersModel.accepts).toEqual(['image', 'vector']);
    expect(layersModel.checks?.(cfg([conv()]), [10])).toEqual([expect.objectContaining({ pointer: '/model/layers/0' })]);
  });
});
