// The shape plan of a `layers` model: every entry resolved to named nodes with their input and output shapes
// and parameter counts, without tfjs. `xp validate` runs it (so a shape that cannot work is a config error at
// its entry before anything is built), and the builder walks the same plan, so names and shapes cannot drift.
import type { CheckIssue } from '@xp/core';
import { closestName } from '@xp/core';
import { dotted } from '../model-shape.js';
import { layerKinds, PER_SLOT_KINDS, showShape, type Shape } from './kinds/index.js';
import type { LayerEntry, LayersConfig } from './schema.js';

interface Common {
  name: string;
  /** JSON pointer of the entry, e.g. `/model/layers/3`. */
  pointer: string;
  trainable: boolean;
  input: Shape;
  output: Shape;
  /** Parameters of this node's own layers (a block's children count in their own nodes). */
  params: number;
}

/** A plain layer (conv2d, dense, …). */
export interface LayerNode extends Common {
  op: 'layer';
  kind: string;
  options: unknown;
}

/** The 1×1 (or dense) projection of a residual block's input, when its branch changes the shape. */
export interface Projection {
  name: string;
  /** conv: 1×1 conv with this stride to `units` channels; dense: Dense(units). */
  kind: 'conv' | 'dense';
  stride: number;
  units: number;
}

/** `residual: [...]`: the branch, its output added to the block input (projected when shapes differ). */
export interface ResidualNode extends Common {
  op: 'residual';
  body: PlanNode[];
  projection?: Projection;
}

/** `concat: [[...], [...]]`: branches on one input, joined on the last axis. */
export interface ConcatNode extends Common {
  op: 'concat';
  branches: PlanNode[][];
}

export type PlanNode = LayerNode | ResidualNode | ConcatNode;

/** `slots: {}` and what reads each slot. */
export interface SlotsPlan {
  name: string;
  pointer: string;
  trainable: boolean;
  /** The [h, w, c] map that is cut. */
  input: Shape;
  /** Positions the plan was made for (1 when unknown, as `xp validate` checks the entries after slots). */
  positions: number;
  /** The entries after `slots`, on [positions, h·(w/positions)·c]. */
  perSlot: PlanNode[];
}

/** The whole model: its trunk nodes in order, and the slot split when the list has one. */
export interface LayersPlan {
  nodes: PlanNode[];
  /** Output of the last node before `slots` (or of the list). */
  output: Shape;
  slots?: SlotsPlan;
}

/** Names the model's own layers take besides the entries' (input, trunk flatten). */
export const RESERVED_NAMES = ['image', 'features_in', 'flatten'] as const;

const ENTRY_KEYS = ['name', 'trainable', 'repeat'];
const BLOCK_KINDS = ['residual', 'concat'];

class PlanProblem extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

interface Scope {
  /** Name prefix of auto names (`residual_0_` inside that block). */
  prefix: string;
  counters: Map<string, number>;
  trainable: boolean;
  /** Every name given so far, with the entry that took it. */
  names: Map<string, string>;
}

const allKinds = () => [...Object.keys(layerKinds), ...BLOCK_KINDS, 'slots'];

/** The layer kind an entry names, or a problem at the entry. */
function kindOf(entry: LayerEntry, pointer: string): string {
  const keys = Object.keys(entry).filter((k) => !ENTRY_KEYS.includes(k));
  if (keys.length === 1) return keys[0];
  if (keys.length === 0) throw new PlanProblem(pointer, `${dotted(pointer)} names no layer; start it with one of: ${allKinds().join(', ')}`);
  throw new PlanProblem(`${pointer}/${keys[1]}`, `${dotted(pointer)} names ${keys.length} layers (${keys.join(', ')}); one layer per entry: give each its own \`- ${keys[1]}: …\` line`);
}

function takeName(scope: Scope, entry: LayerEntry, kind: string, pointer: string, copy: number, copies: number): string {
  let name: string;
  if (entry.name !== undefined) name = copies > 1 ? `${entry.name}_${copy}` : entry.name;
  else {
    const key = `${scope.prefix}${kind}`;
    const n = scope.counters.get(key) ?? 0;
    scope.counters.set(key, n + 1);
    name = `${key}_${n}`;
  }
  const taken = (RESERVED_NAMES as readonly string[]).includes(name) ? 'the model itself' : scope.names.get(name);
  if (taken !== undefined) {
    throw new PlanProblem(pointer, `${dotted(pointer)}: the layer name '${name}' is already used by ${taken}; layer names must be unique (freeze and init_from match layers by name), choose another name`);
  }
  scope.names.set(name, dotted(pointer));
  return name;
}

const same = (a: Shape, b: Shape) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The projection that makes `input` addable to `out`, or undefined when none can. */
function projectionFor(input: Shape, out: Shape, name: string): Projection | undefined {
  if (input.length === 1 && out.length === 1) return { name, kind: 'dense', stride: 1, units: out[0] };
  if (input.length !== 3 || out.length !== 3) return undefined;
  for (let s = 1; s <= Math.max(input[0], input[1]); s++) {
    if (Math.ceil(input[0] / s) === out[0] && Math.ceil(input[1] / s) === out[1]) return { name, kind: 'conv', stride: s, units: out[2] };
  }
  return undefined;
}

const projectionParams = (p: Projection, input: Shape) => input[input.length - 1] * p.units + p.units;

function planList(entries: readonly LayerEntry[], input: Shape, base: string, scope: Scope, offset = 0): { nodes: PlanNode[]; output: Shape } {
  const nodes: PlanNode[] = [];
  let x = input;
  entries.forEach((entry, i) => {
    const pointer = `${base}/${i + offset}`;
    const kind = kindOf(entry, pointer);
    if (kind === 'slots') throw new PlanProblem(pointer, `${dotted(pointer)}: slots can only appear once, in the top-level layer list; remove this one`);
    const copies = entry.repeat ?? 1;
    for (let copy = 0; copy < copies; copy++) {
      const name = takeName(scope, entry, kind, pointer, copy, copies);
      const where = `${dotted(pointer)} (${name}${copies > 1 ? `, repeat ${copy + 1} of ${copies}` : ''})`;
      const trainable = entry.trainable ?? scope.trainable;
      const node = planEntry(entry, kind, { name, pointer, trainable, input: x, where }, scope);
      nodes.push(node);
      x = node.output;
    }
  });
  return { nodes, output: x };
}

interface At {
  name: string;
  pointer: string;
  trainable: boolean;
  input: Shape;
  /** `model.layers[3] (conv2d_2)`, how messages name the entry. */
  where: string;
}

function planEntry(entry: LayerEntry, kind: string, at: At, scope: Scope): PlanNode {
  const { name, pointer, trainable, input, where } = at;
  const inner = (prefix: string): Scope => ({ ...scope, prefix, counters: new Map(), trainable });
  if (kind === 'residual') {
    const body = planList(entry.residual as LayerEntry[], input, `${pointer}/residual`, inner(`${name}_`));
    if (same(body.output, input)) return { op: 'residual', name, pointer, trainable, input, output: input, params: 0, body: body.nodes };
    const projection = projectionFor(input, body.output, `${name}_projection`);
    if (!projection) {
      throw new PlanProblem(
        pointer,
        `${where}: the residual branch turns the ${showShape(input)} input into ${showShape(body.output)}, which cannot be added to it (no strided 1×1 projection maps one to the other); ` +
          'keep the branch a feature map whose size is the input size divided by a stride (padding: same), or move the flatten or global pool after the block',
      );
    }
    return { op: 'residual', name, pointer, trainable, input, output: body.output, params: projectionParams(projection, input), body: body.nodes, projection };
  }
  if (kind === 'concat') {
    const branches = (entry.concat as LayerEntry[][]).map((b, j) => planList(b, input, `${pointer}/concat/${j}`, inner(`${name}_b${j}_`)));
    const outs = branches.map((b) => b.output);
    const first = outs[0];
    const misfit = outs.findIndex((o) => o.length !== first.length || !same(o.slice(0, -1), first.slice(0, -1)));
    if (misfit >= 0) {
      throw new PlanProblem(
        pointer,
        `${where}: concat branch 0 gives ${showShape(first)} but branch ${misfit} gives ${showShape(outs[misfit])}; branches may differ only in the last axis (channels): ` +
          'give every branch the same strides and pools',
      );
    }
    const output = [...first.slice(0, -1), outs.reduce((a, o) => a + o[o.length - 1], 0)];
    return { op: 'concat', name, pointer, trainable, input, output, params: 0, branches: branches.map((b) => b.nodes) };
  }
  const layerKind = layerKinds[kind];
  if (!layerKind) {
    const best = closestName(kind, allKinds());
    throw new PlanProblem(`${pointer}/${kind}`, `${where}: unknown layer '${kind}'; ${best ? `did you mean '${best}'? ` : ''}known: ${allKinds().join(', ')}`);
  }
  const options = entry[kind];
  const r = layerKind.shape(input, options);
  if ('problem' in r) throw new PlanProblem(pointer, `${where}: ${r.problem}`);
  return { op: 'layer', kind, options, name, pointer, trainable, input, output: r.out, params: r.params };
}

function planSlots(entries: readonly LayerEntry[], at: number, input: Shape, positions: number | undefined, scope: Scope): SlotsPlan {
  const entry = entries[at];
  const pointer = `/model/layers/${at}`;
  if (entry.repeat !== undefined) throw new PlanProblem(`${pointer}/repeat`, `${dotted(pointer)}: slots cannot repeat (the map is cut once); remove repeat`);
  const name = takeName(scope, { ...entry, name: entry.name ?? 'slots' }, 'slots', pointer, 0, 1);
  if (input.length !== 3) {
    throw new PlanProblem(pointer, `${dotted(pointer)} (${name}): slots cut a feature map [height, width, channels] into positions, but its input is ${showShape(input)}; put slots before the flatten, dense or global pool`);
  }
  const [h, w, c] = input;
  const p = positions ?? 1;
  if (w % p !== 0) {
    throw new PlanProblem(
      pointer,
      `${dotted(pointer)} (${name}): slots cut the ${showShape(input)} feature map into one slot per sequence position, but its width ${w} does not divide by the ${p} positions; ` +
        `change the strides or pools before it or the image width so that the width is a multiple of ${p}`,
    );
  }
  const rest = entries.slice(at + 1);
  rest.forEach((e, j) => {
    const k = kindOf(e, `/model/layers/${at + 1 + j}`);
    if (!PER_SLOT_KINDS.includes(k)) {
      const ptr = `/model/layers/${at + 1 + j}`;
      throw new PlanProblem(ptr, `${dotted(ptr)}: after slots every entry reads each slot's vector, which ${k} cannot; only ${PER_SLOT_KINDS.join(', ')} may follow slots: move it before slots`);
    }
  });
  const trainable = entry.trainable ?? true;
  const perSlot = planList(rest, [p, h * (w / p) * c], '/model/layers', { ...scope, trainable }, at + 1);
  return { name, pointer, trainable, input, positions: p, perSlot: perSlot.nodes };
}

/**
 * The shape plan of `config` on `inputShape` ([h, w, c] or [f]); `positions` (the sequence task's) sizes the
 * slots, 1 when unknown. Throws a {@link PlanProblem}-carrying issue via {@link layersIssues} / the builder.
 */
export function planLayers(config: Pick<LayersConfig, 'layers'>, inputShape: Shape, positions?: number): LayersPlan {
  const scope: Scope = { prefix: '', counters: new Map(), trainable: true, names: new Map() };
  const at = config.layers.findIndex((e) => Object.hasOwn(e, 'slots'));
  const trunk = at < 0 ? config.layers : config.layers.slice(0, at);
  const { nodes, output } = planList(trunk, inputShape, '/model/layers', scope);
  // planList refuses a `slots` inside; the one allowed is the first top-level one.
  return at < 0 ? { nodes, output } : { nodes, output, slots: planSlots(config.layers, at, output, positions, scope) };
}

/** The plan's first problem as a config issue at its entry, or none. */
export function layersIssues(config: Pick<LayersConfig, 'layers'>, inputShape: Shape, positions?: number): CheckIssue[] {
  try {
    planLayers(config, inputShape, positions);
    return [];
  } catch (e) {
    if (e instanceof PlanProblem) return [{ pointer: e.pointer, message: e.message }];
    throw e;
  }
}

/** Every node of the plan, blocks' children included, in build order. */
export function flattenPlan(nodes: readonly PlanNode[]): PlanNode[] {
  return nodes.flatMap((n) => [n, ...(n.op === 'residual' ? flattenPlan(n.body) : n.op === 'concat' ? n.branches.flatMap(flattenPlan) : [])]);
}

export { PlanProblem };
