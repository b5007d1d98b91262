// `--plugin <file>`: the only way code outside xp's registries runs. A plugin is a local ESM file named on the
// command line, imported once, checked entry by entry, and handed around as a value (never a global
// registry filled by import side effects), so the same config without the flag is still refused.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CallbackSchemas, extensionProblems, XpError, type SchemaExtensions } from '@xp/core';
import { BUILT_IN, schemaExtensions, type Registries } from '../registries/registries.js';
import type { PluginCallback, XpPlugin } from './plugin.js';

/** A plugin could not be loaded or is malformed; a usage error (exit 2), nothing has run. */
export class PluginError extends XpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('XP_CONFIG_PLUGIN', message, options);
  }
}

/** The plugins of one command line: their files and their entries, ready for the loader and the runner. */
export interface LoadedPlugins {
  /** Absolute paths, in command-line order (passed on to sweep trial processes). */
  files: string[];
  /** Callback factories by `type` name. */
  callbacks: Readonly<Record<string, PluginCallback>>;
  /** The built-in registries with the plugins' datasets, models, tasks and callbacks added. */
  registries: Registries;
  /** The registries' schemas and checks, for `loadExperiment(…, { extensions })`. */
  extensions: SchemaExtensions;
}

/** No plugins: what a command line without `--plugin` gets (the built-in registries). */
export const NO_PLUGINS: LoadedPlugins = Object.freeze({ files: [], callbacks: Object.freeze({}), registries: BUILT_IN, extensions: schemaExtensions(BUILT_IN) });

// What each kind of entry must provide besides its schema, and where its built-ins are.
const KINDS = {
  datasets: { label: 'dataset', needs: ['prepare'], builtIn: BUILT_IN.datasets, shape: '{ schema, prepare(config, ctx), checks?, inspect?, inputShape?, target? }' },
  models: { label: 'model', needs: ['build', 'accepts'], builtIn: BUILT_IN.models, shape: "{ schema, accepts: ['image'|'vector'], build(config, ctx), checks? }" },
  tasks: { label: 'task', needs: ['bind', 'accepts', 'headline'], builtIn: BUILT_IN.tasks, shape: '{ schema, accepts, headline(config, validates), bind(config, target, ctx) }' },
  callbacks: { label: 'callback', needs: ['create'], builtIn: CallbackSchemas, shape: '{ schema, create(options, deps) }, create returning the callback' },
} as const;
type Kind = keyof typeof KINDS;

/**
 * Imports the plugin files (paths relative to `cwd`) and checks each entry; all problems are reported at once.
 *
 * @param files - Paths as given to `--plugin`. Defaults to none ({@link NO_PLUGINS}).
 * @param cwd - Base of relative paths. Defaults to the working directory.
 * @throws PluginError naming the file (and entry) and what to fix.
 * @example const plugins = await loadPlugins(['experiments/plugins/webhook/webhook-notify.mjs']);
 */
export async function loadPlugins(files: readonly string[] = [], cwd = process.cwd()): Promise<LoadedPlugins> {
  if (files.length === 0) return NO_PLUGINS;
  const added: Record<Kind, Record<string, unknown>> = { datasets: {}, models: {}, tasks: {}, callbacks: {} };
  const owner = new Map<string, string>();
  const problems: string[] = [];
  const abs: string[] = [];
  for (const given of files) {
    const file = await pluginFile(given, cwd);
    if (abs.includes(file)) continue;
    abs.push(file);
    const plugin = await importPlugin(file, given);
    const label = `--plugin ${given}`;
    const kinds = Object.keys(KINDS) as Kind[];
    if (!isObject(plugin) || kinds.some((k) => plugin[k] !== undefined && !isObject(plugin[k]))) {
      problems.push(`${label}: the default export must be an object such as { callbacks: { my_callback: { schema, create } } } (or datasets, models, tasks)`);
      continue;
    }
    const entries = kinds.flatMap((kind) => Object.entries((plugin[kind] ?? {}) as Record<string, unknown>).map(([name, entry]) => ({ kind, name, entry })));
    if (entries.length === 0) problems.push(`${label}: adds nothing; export default { callbacks: { … } } (or datasets, models, tasks)`);
    for (const { kind, name, entry } of entries) {
      const k = KINDS[kind];
      const where = `${label}: ${k.label} '${name}'`;
      if (Object.hasOwn(k.builtIn, name)) {
        problems.push(`${where} is a built-in ${k.label}; plugins add names, they cannot replace built-ins; rename it`);
        continue;
      }
      const key = `${kind}/${name}`;
      if (owner.has(key)) {
        problems.push(`${where} is also added by --plugin ${owner.get(key)}; each name may come from one plugin`);
        continue;
      }
      if (!isObject(entry) || k.needs.some((f) => entry[f] === undefined) || typeof entry[k.needs[0]] !== 'function') {
        problems.push(`${where} must be ${k.shape}`);
        continue;
      }
      const bad = extensionProblems(name, entry.schema);
      if (bad.length) {
        problems.push(...bad.map((p) => `${where}: ${p}`));
        continue;
      }
      owner.set(key, given);
      added[kind][name] = entry;
    }
  }
  if (problems.length) throw new PluginError(problems.join('\n'));
  const callbacks = added.callbacks as Record<string, PluginCallback>;
  const registries: Registries = {
    datasets: { ...BUILT_IN.datasets, ...(added.datasets as Registries['datasets']) },
    models: { ...BUILT_IN.models, ...(added.models as Registries['models']) },
    tasks: { ...BUILT_IN.tasks, ...(added.tasks as Registries['tasks']) },
    callbacks,
  };
  return { files: abs, callbacks, registries, extensions: schemaExtensions(registries) };
}

// Only a path to an existing local file: not a package name, `node:` module or URL, which would load code
// the command line does not show.
async function pluginFile(given: string, cwd: string): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(given) && !/^[a-z]:[\\/]/i.test(given)) {
    throw new PluginError(`--plugin ${given}: give the path of a local .js/.mjs file (e.g. ./plugins/my-plugin.mjs), not a URL or module name`);
  }
  const file = path.resolve(cwd, given);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new PluginError(`--plugin ${given}: file not found (looked for ${file}); paths are relative to the working directory`);
  if (!info.isFile()) throw new PluginError(`--plugin ${given}: is not a file; give the path of the plugin's .js/.mjs file`);
  return file;
}

async function importPlugin(file: string, given: string): Promise<XpPlugin> {
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: XpPlugin };
    return mod.default as XpPlugin;
  } catch (e) {
    throw new PluginError(`--plugin ${given}: could not load it: ${(e as Error).message}; a plugin is an ES module (.mjs, or .js in a "type": "module" package)`, { cause: e });
  }
}

function isObject(v: unknown): v is Record<string, unknown> & XpPlugin {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
