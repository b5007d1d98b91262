// The registries one command line works with: the built-in datasets, models and tasks plus whatever `--plugin`
// files add, as one value handed to the loader (their schemas and checks) and to the run (their code). Nothing
// is registered by import side effects, so the same config without the flag is refused.
import type { CheckIssue, ExperimentConfig, SchemaExtensions, TObject } from '@xp/core';
import { datasetTypes, DEFAULT_TASK, type DatasetType, type TargetSpec } from '@xp/data';
import { modelTypes, type ModelType } from '@xp/models';
import type { PluginCallback } from '../plugins/plugin.js';
import { taskTypes } from '../tasks/registry.js';
import type { TaskType } from '../tasks/task.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- each entry is typed by its own schema */
/** Datasets, models, tasks (built-in and plugin) and plugin callbacks, by `type` name. */
export interface Registries {
  datasets: Readonly<Record<string, DatasetType<any>>>;
  models: Readonly<Record<string, ModelType<any>>>;
  tasks: Readonly<Record<string, TaskType<any>>>;
  /** Callbacks added by plugins (the built-in ones are core's and the runner's own). */
  callbacks: Readonly<Record<string, PluginCallback>>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The built-in registries: what a command line without `--plugin` gets. */
export const BUILT_IN: Registries = Object.freeze({ datasets: datasetTypes, models: modelTypes, tasks: taskTypes, callbacks: Object.freeze({}) });

const schemasOf = (entries: Readonly<Record<string, { schema: TObject }>>) => Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v.schema]));

// Compiled schemas are cached per extensions object in core, so each Registries value maps to one object.
const extensionsCache = new WeakMap<Registries, SchemaExtensions>();

/** What the loader needs of `r`: every entry's schema and the cross-field rules the entries own. */
export function schemaExtensions(r: Registries): SchemaExtensions {
  let ext = extensionsCache.get(r);
  if (!ext) {
    ext = {
      datasets: schemasOf(r.datasets),
      models: schemasOf(r.models),
      tasks: schemasOf(r.tasks),
      callbacks: schemasOf(r.callbacks),
      checks: [(c) => registryChecks(r, c)],
    };
    extensionsCache.set(r, ext);
  }
  return ext;
}

/** The entries an experiment uses (the loader has checked that each `type` exists). */
export function entriesOf(r: Registries, c: ExperimentConfig) {
  return { dataset: r.datasets[c.data.type], model: r.models[c.model.type], taskName: c.task?.type };
}

/** The task a config names, or the one its data's target kind is learned with. */
export function taskNameFor(c: ExperimentConfig, target: TargetSpec | undefined): string | undefined {
  return c.task?.type ?? (target && DEFAULT_TASK[target.kind]);
}

// The rules that span entries: each dataset's own, the model's on the input shape (when the config alone
// determines it), and whether the task can learn the data's target and the model take its input.
function registryChecks(r: Registries, c: ExperimentConfig): CheckIssue[] {
  const { dataset, model } = entriesOf(r, c);
  const issues: CheckIssue[] = [...(dataset.checks?.(c.data, c) ?? [])];
  const shape = dataset.inputShape?.(c.data);
  if (shape) {
    const kind = shape.length === 3 ? 'image' : 'vector';
    if (!model.accepts.includes(kind)) {
      const fits = Object.keys(r.models).filter((m) => r.models[m].accepts.includes(kind));
      issues.push({ pointer: '/model/type', message: `model ${c.model.type} does not take ${kind} inputs, which data.type ${c.data.type} gives; use one of: ${fits.join(', ')}` });
    } else {
      issues.push(...(model.checks?.(c.model, shape) ?? []));
    }
  }
  const target = dataset.target?.(c.data);
  const taskName = taskNameFor(c, target);
  if (target && taskName && !r.tasks[taskName].accepts.includes(target.kind)) {
    const fits = Object.keys(r.tasks).filter((t) => r.tasks[t].accepts.includes(target.kind));
    issues.push({ pointer: '/task', message: `task ${taskName} cannot learn the ${target.kind} targets of data.type ${c.data.type}; use task: ${fits.join(' or ')}` });
  }
  return issues;
}

