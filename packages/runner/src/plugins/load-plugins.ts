// `--plugin <file>`: the only way code outside xp's registries runs. A plugin is a local ESM file named on the
// command line, imported once, checked entry by entry, and handed around as a value (never a global
// registry filled by import side effects), so the same config without the flag is still refused.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CallbackSchemas, extensionProblems, XpError, type SchemaExtensions, type TObject } from '@xp/core';
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
  /** The entries' schemas, for `loadExperiment(…, { extensions })`. */
  extensions: SchemaExtensions;
}

/** No plugins: what a command line without `--plugin` gets. */
export const NO_PLUGINS: LoadedPlugins = Object.freeze({ files: [], callbacks: Object.freeze({}), extensions: Object.freeze({}) });

/**
 * Imports the plugin files (paths relative to `cwd`) and checks each entry; all problems are reported at once.
 *
 * @param files - Paths as given to `--plugin`. Defaults to none ({@link NO_PLUGINS}).
 * @param cwd - Base of relative paths. Defaults to the working directory.
 * @throws PluginError naming the file (and entry) and what to fix.
 * @example const plugins = await loadPlugins(['experiments/plugins/webhook-notify.mjs']);
 */
export async function loadPlugins(files: readonly string[] = [], cwd = process.cwd()): Promise<LoadedPlugins> {
  if (files.length === 0) return NO_PLUGINS;
  const callbacks: Record<string, PluginCallback> = {};
  const owner = new Map<string, string>();
  const problems: string[] = [];
  const abs: string[] = [];
  for (const given of files) {
    const file = await pluginFile(given, cwd);
    if (abs.includes(file)) continue;
    abs.push(file);
    const plugin = await importPlugin(file, given);
    const label = `--plugin ${given}`;
    if (!isObject(plugin) || (plugin.callbacks !== undefined && !isObject(plugin.callbacks))) {
      problems.push(`${label}: the default export must be an object such as { callbacks: { my_callback: { schema, create } } }`);
      continue;
    }
    const entries = Object.entries(plugin.callbacks ?? {});
    if (entries.length === 0) problems.push(`${label}: adds nothing; export default { callbacks: { … } }`);
    for (const [name, entry] of entries) {
      const where = `${label}: callback '${name}'`;
      if (Object.hasOwn(CallbackSchemas, name)) {
        problems.push(`${where} is a built-in callback; plugins add names, they cannot replace built-ins; rename it`);
        continue;
      }
      if (owner.has(name)) {
        problems.push(`${where} is also added by --plugin ${owner.get(name)}; each name may come from one plugin`);
        continue;
      }
      if (!isObject(entry) || typeof entry.create !== 'function') {
        problems.push(`${where} must be { schema, create(options, deps) }, create returning the callback`);
        continue;
      }
      const bad = extensionProblems(name, entry.schema);
      if (bad.length) {
        problems.push(...bad.map((p) => `${where}: ${p}`));
        continue;
      }
      owner.set(name, given);
      callbacks[name] = entry as PluginCallback;
    }
  }
  if (problems.length) throw new PluginError(problems.join('\n'));
  const schemas = Object.fromEntries(Object.entries(callbacks).map(([k, v]) => [k, v.schema as TObject]));
  return { files: abs, callbacks, extensions: { callbacks: schemas } };
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
