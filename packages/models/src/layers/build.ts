// The `layers` model: builds the trunk a YAML layer list describes, by walking its shape plan (plan.ts).
import * as tf from '@tensorflow/tfjs';
import { ModelConfigError } from '../errors.js';
import { kernelInitializers } from '../init.js';
import { checkInputShape, dotted, once } from '../model-shape.js';
import type { BuildContext, Initializer, ModelType, Regularizer, Trunk } from '../model-type.js';
import { layerKinds } from './kinds/index.js';
import { layersIssues, planLayers, PlanProblem, type LayersPlan, type PlanNode, type SlotsPlan } from './plan.js';
import { LayersSchema, type LayersConfig } from './schema.js';

type Symbolic = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Symbolic | Symbolic[]) => layer.apply(x) as Symbolic;

interface Ctx {
  init: () => Initializer;
  kernelRegularizer?: Regularizer;
}

function buildNodes(nodes: readonly PlanNode[], x: Symbolic, ctx: Ctx): Symbolic {
  for (const n of nodes) x = buildNode(n, x, ctx);
  return x;
}

function buildNode(n: PlanNode, x: Symbolic, ctx: Ctx): Symbolic {
  if (n.op === 'layer') {
    const layers = layerKinds[n.kind].build(n.options, { name: n.name, trainable: n.trainable, init: ctx.init, kernelRegularizer: ctx.kernelRegularizer });
    return layers.reduce((y, l) => apply(l, y), x);
  }
  if (n.op === 'concat') {
    const outs = n.branches.map((b) => buildNodes(b, x, ctx));
    return apply(tf.layers.concatenate({ axis: -1, name: n.name, trainable: n.trainable }), outs);
  }
  const y = buildNodes(n.body, x, ctx);
  const p = n.projection;
  const common = { name: p?.name, trainable: n.trainable, kernelInitializer: ctx.init(), kernelRegularizer: ctx.kernelRegularizer };
  const shortcut = !p
    ? x
    : p.kind === 'conv'
      ? apply(tf.layers.conv2d({ filters: p.units, kernelSize: 1, strides: p.stride, padding: 'same', ...common }), x)
      : apply(tf.layers.dense({ units: p.units, ...common }), x);
  return apply(tf.layers.add({ name: n.name, trainable: n.trainable }), [shortcut, y]);
}

/** The slot split of `map` ([h, w, c] → [positions, h·(w/positions)·c], slot i = columns of position i), then the per-slot entries. */
function buildSlots(s: SlotsPlan, map: Symbolic, ctx: Ctx): Symbolic {
  const [h, w, c] = s.input;
  const p = s.positions;
  const slotW = w / p;
  let x = apply(tf.layers.reshape({ targetShape: [h, p, slotW, c], name: s.name, trainable: s.trainable }), map);
  x = apply(tf.layers.permute({ dims: [2, 1, 3, 4], name: `${s.name}_first`, trainable: s.trainable }), x);
  x = apply(tf.layers.reshape({ targetShape: [p, h * slotW * c], name: `${s.name}_features`, trainable: s.trainable }), x);
  return buildNodes(s.perSlot, x, ctx);
}

/** The plan, or its problem as the ModelConfigError the runner maps to the entry's position. */
function planOrThrow(config: LayersConfig, inputShape: number[], positions?: number): LayersPlan {
  try {
    return planLayers(config, inputShape, positions);
  } catch (e) {
    if (e instanceof PlanProblem) throw new ModelConfigError('XP_CONFIG_MODEL_SHAPE', e.message, { pointer: e.pointer, cause: e });
    throw e;
  }
}

/**
 * Builds the trunk of a layer list: the entries up to `slots` (or all) eagerly; the trunk's flat() flattens a map
 * the list ends on. With `slots`, the sequence task asks {@link Trunk.slots} for per-position features and puts
 * its classifier on them; any other task's features() is refused, since the list ends per position.
 *
 * @example buildLayers({ type: 'layers', layers: [{ conv2d: { filters: 8, … } }], … }, { inputShape: [28, 28, 1] })
 */
export function buildLayers(config: LayersConfig, ctx: BuildContext): Trunk {
  const image = ctx.inputShape.length === 3;
  checkInputShape(ctx.inputShape, image ? 3 : 1, 'layers');
  const plan = planOrThrow(config, ctx.inputShape);
  const init = kernelInitializers(ctx.seed);
  const kernelRegularizer = config.weight_decay > 0 ? tf.regularizers.l2({ l2: config.weight_decay }) : undefined;
  const c: Ctx = { init, kernelRegularizer };
  const input = tf.input({ shape: ctx.inputShape, dtype: 'float32', name: image ? 'image' : 'features_in' });
  const out = buildNodes(plan.nodes, input, c);
  const flat = once(() => (out.shape.length > 2 ? apply(tf.layers.flatten({ name: 'flatten' }), out) : out));
  const slotsPlan = plan.slots;
  const features = slotsPlan
    ? () => {
        throw new ModelConfigError(
          'XP_CONFIG_MODEL_SHAPE',
          `${dotted(slotsPlan.pointer)} (${slotsPlan.name}): slots cut the feature map into sequence positions, which only task: sequence reads; remove the slots entry and what follows it, or end the list with a flatten or global pool`,
          { pointer: slotsPlan.pointer },
        );
      }
    : flat;
  const slots = slotsPlan && ((positions: number) => buildSlots(planOrThrow(config, ctx.inputShape, positions).slots as SlotsPlan, out, c));
  return {
    type: 'layers',
    input,
    featureMap: out.shape.length === 4 ? out : undefined,
    flat,
    features,
    slots,
    init,
    kernelRegularizer,
    heads: { kind: slotsPlan ? 'shared' : 'stacked', hiddenUnits: 0, dropout: 0, lengthHead: config.length_head },
  };
}

/** The `layers` registry entry. */
export const layersModel: ModelType<LayersConfig> = {
  schema: LayersSchema,
  accepts: ['image', 'vector'],
  checks: (c, inputShape) => layersIssues(c, inputShape),
  build: buildLayers,
};
