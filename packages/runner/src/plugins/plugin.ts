// The contract of a `--plugin` module. Types only: a plugin needs nothing from xp at run time, so it can be a
// plain .mjs file anywhere; a TypeScript plugin imports these types to get its options typed from its schema.
import type { Static, TObject } from '@xp/core';
import type { Callback } from '../callbacks/callback.js';
import type { CallbackDeps } from '../callbacks/registry.js';
import type { DatasetType } from '@xp/data';
import type { ModelType } from '@xp/models';
import type { TaskType } from '../tasks/task.js';

/**
 * One callback a plugin adds: the JSON Schema of its options (TypeBox `Type.Object(…)`, which types `create`'s
 * options, or a plain `{ type: 'object', properties: … }`) and the factory the runner calls for each entry.
 */
export interface PluginCallback<S extends TObject = TObject> {
  /** Options of `callbacks[]` entries of this type; `type` itself is added by xp. Unknown keys are refused. */
  schema: S;
  /** Builds the callback from a validated entry (defaults filled in, `type` included). */
  create(options: Static<S> & { type: string }, deps: CallbackDeps): Callback;
}

/**
 * What a plugin module exports as its default export.
 *
 * @example
 * export default {
 *   name: 'my-plugin',
 *   callbacks: {
 *     log_every: { schema: { type: 'object', properties: { every: { type: 'integer', minimum: 1, default: 1 } } }, create: (o, d) => new LogEvery(o.every, d.log) },
 *   },
 * };
 */
export interface XpPlugin {
  /** Shown in messages. Defaults to the file name. */
  name?: string;
  /** Callbacks by `type` name (snake_case; built-in names cannot be reused). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own schema type
  callbacks?: Record<string, PluginCallback<any>>;
  /** Dataset types by `data.type` name, with the shape of the built-in ones (see `DatasetType` in @xp/data). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own schema type
  datasets?: Record<string, DatasetType<any>>;
  /** Architectures by `model.type` name (see `ModelType` in @xp/models). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own schema type
  models?: Record<string, ModelType<any>>;
  /** Tasks by `task.type` name (see `TaskType` in the runner's tasks/task.ts). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own schema type
  tasks?: Record<string, TaskType<any>>;
}
