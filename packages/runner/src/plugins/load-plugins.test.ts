import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '@xp/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCallback, type CallbackDeps } from '../callbacks/registry.js';
import { loadPlugins, NO_PLUGINS, PluginError } from './load-plugins.js';

const example = fileURLToPath(new URL('../../../../experiments/plugins/webhook/webhook-notify.mjs', import.meta.url));
const deps: CallbackDeps = { runDir: '/runs/r1', totalEpochs: 3, saveCheckpoint: vi.fn(async () => {}), log: vi.fn() };

// A plugin module as text: one callback `name` whose instances record the hooks they get.
const plugin = (name: string, schema = "{ type: 'object', properties: { n: { type: 'integer', default: 2 } } }") => `
export default {
  callbacks: {
    ${name}: {
      schema: ${schema},
      create: (o, d) => ({ name: '${name}', options: o, deps: d, onEpochEnd(e) { d.log('${name} ' + e + ' ' + o.n); } }),
    },
  },
};
`;

describe('loadPlugins', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xp-plugins-'));
    await writeFile(file('a.mjs'), plugin('count_a'));
    await writeFile(file('b.mjs'), plugin('count_b'));
    await writeFile(file('a-again.mjs'), plugin('count_a'));
    await writeFile(file('builtin.mjs'), plugin('early_stopping'));
    await writeFile(file('bad-schema.mjs'), plugin('bad_schema', "{ type: 'object', properties: { n: { type: 'integr' } } }"));
    await writeFile(file('no-create.mjs'), "export default { callbacks: { x: { schema: { type: 'object' } } } };\n");
    await writeFile(file('no-default.mjs'), 'export const callbacks = {};\n');
    await writeFile(file('empty.mjs'), 'export default { callbacks: {} };\n');
    await writeFile(file('throws.mjs'), "throw new Error('boom at import');\n");
    await writeFile(file('task-no-bind.mjs'), "export default { tasks: { half_task: { schema: { type: 'object' }, accepts: ['class'], headline: () => ({}) } } };\n");
    await writeFile(file('builtin-dataset.mjs'), "export default { datasets: { mnist_sequences: { schema: { type: 'object' }, prepare: async () => ({}) } } };\n");
    await writeFile(
      file('my-task.mjs'),
      "export default { tasks: { my_task: { schema: { type: 'object', properties: { k: { type: 'integer', default: 3 } } }, accepts: ['sequence'], headline: () => ({ metric: 'val_k', mode: 'max' }), bind: () => ({}) } } };\n",
    );
    await writeFile(file('side-effect.mjs'), "globalThis.xpPluginImports = (globalThis.xpPluginImports ?? 0) + 1;\n" + plugin('counted'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives nothing without --plugin', async () => {
    expect(await loadPlugins()).toBe(NO_PLUGINS);
    expect(await loadPlugins([])).toBe(NO_PLUGINS);
    // The built-in registries, with their schemas for the loader.
    expect(Object.keys(NO_PLUGINS.registries.datasets)).toContain('mnist_sequences');
    expect(Object.keys(NO_PLUGINS.extensions.tasks ?? {})).toContain('sequence');
  });

  it('loads each file once, relative to cwd, entries and schemas together', async () => {
    const p = await loadPlugins(['a.mjs', './b.mjs', file('a.mjs')], dir);
    expect(p.files).toEqual([file('a.mjs'), file('b.mjs')]);
    expect(Object.keys(p.callbacks)).toEqual(['count_a', 'count_b']);
    expect(Object.keys(p.extensions.callbacks ?? {})).toEqual(['count_a', 'count_b']);
    expect(p.extensions.callbacks?.count_a).toBe(p.callbacks.count_a.schema);
  });

  it('feeds the loader and the callback registry: validated options in, a working callback out', async () => {
    const p = await loadPlugins([file('a.mjs')]);
    const valid = fileURLToPath(new URL('../../../core/test/fixtures/valid.yaml', import.meta.url));
    const exp = await loadExperiment(valid, { overrides: ['callbacks=[{type: count_a}]'], extensions: p.extensions });
    expect(exp.config.callbacks).toEqual([{ type: 'count_a', n: 2 }]);
    const cb = createCallback(exp.config.callbacks[0], deps, p.callbacks) as unknown as { options: unknown; onEpochEnd(e: number): void };
    expect(cb.options).toEqual({ type: 'count_a', n: 2 });
    cb.onEpochEnd(4);
    expect(deps.log).toHaveBeenCalledWith('count_a 4 2');
    // Without the plugin the registry knows nothing of it.
    expect(() => createCallback(exp.config.callbacks[0], deps)).toThrow(/unknown callback 'count_a'\. Known callbacks: early_stopping, .*, lr_schedule, unfreeze\.$/);
  });

  it('adds datasets, models and tasks to the registries and the schema, next to the built-ins', async () => {
    const p = await loadPlugins([file('my-task.mjs')]);
    expect(Object.keys(p.registries.tasks)).toEqual([...Object.keys(NO_PLUGINS.registries.tasks), 'my_task']);
    expect(p.registries.datasets).toEqual(NO_PLUGINS.registries.datasets);
    const valid = fileURLToPath(new URL('../../../core/test/fixtures/valid.yaml', import.meta.url));
    const exp = await loadExperiment(valid, { overrides: ['task=my_task'], extensions: p.extensions });
    expect(exp.config.task).toEqual({ type: 'my_task', k: 3 });
    // Without the plugin the same config is refused, naming the known tasks.
    const e = await loadExperiment(valid, { overrides: ['task=my_task'], extensions: NO_PLUGINS.extensions }).catch((err: unknown) => err);
    expect(String(e)).toMatch(/my_task/);
  });

  it('loads the example plugin', async () => {
    const p = await loadPlugins([example]);
    expect(Object.keys(p.callbacks)).toEqual(['webhook_notify']);
  });

  it.each([
    [['builtin.mjs'], "--plugin builtin.mjs: callback 'early_stopping' is a built-in callback; plugins add names, they cannot replace built-ins; rename it"],
    [['a.mjs', 'a-again.mjs'], "--plugin a-again.mjs: callback 'count_a' is also added by --plugin a.mjs; each name may come from one plugin"],
    [['bad-schema.mjs'], /^--plugin bad-schema\.mjs: callback 'bad_schema': its schema is not valid JSON Schema: /],
    [['no-create.mjs'], "--plugin no-create.mjs: callback 'x' must be { schema, create(options, deps) }, create returning the callback"],
    [['no-default.mjs'], '--plugin no-default.mjs: the default export must be an object such as { callbacks: { my_callback: { schema, create } } } (or datasets, models, tasks)'],
    [['empty.mjs'], '--plugin empty.mjs: adds nothing; export default { callbacks: { … } } (or datasets, models, tasks)'],
    [['task-no-bind.mjs'], "--plugin task-no-bind.mjs: task 'half_task' must be { schema, accepts, headline(config, validates), bind(config, target, ctx) }"],
    [['builtin-dataset.mjs'], "--plugin builtin-dataset.mjs: dataset 'mnist_sequences' is a built-in dataset; plugins add names, they cannot replace built-ins; rename it"],
    [['throws.mjs'], /^--plugin throws\.mjs: could not load it: boom at import; a plugin is an ES module/],
    [['missing.mjs'], /^--plugin missing\.mjs: file not found \(looked for .*missing\.mjs\); paths are relative to the working directory$/],
    [['.'], '--plugin .: is not a file; give the path of the plugin\'s .js/.mjs file'],
    [['https://example.org/p.mjs'], '--plugin https://example.org/p.mjs: give the path of a local .js/.mjs file (e.g. ./plugins/my-plugin.mjs), not a URL or module name'],
    [['node:fs'], /^--plugin node:fs: give the path of a local \.js\/\.mjs file/],
    [['data:text/javascript,export default {}'], /^--plugin data:text\/javascript,export default \{\}: give the path of a local/],
  ])('refuses %j', async (files, message) => {
    const e = await loadPlugins(files, dir).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(PluginError);
    expect((e as PluginError).code).toBe('XP_CONFIG_PLUGIN');
    expect((e as PluginError).message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  });

  it('imports nothing that is not named', async () => {
    const g = globalThis as { xpPluginImports?: number };
    expect(g.xpPluginImports).toBeUndefined();
    await loadPlugins(['a.mjs'], dir);
    expect(g.xpPluginImports).toBeUndefined();
    await loadPlugins(['side-effect.mjs'], dir);
    expect(g.xpPluginImports).toBe(1);
  });
});
