export { loadPlugins, NO_PLUGINS, PluginError } from './load-plugins.js';
export type { LoadedPlugins } from './load-plugins.js';
export type { PluginCallback, XpPlugin } from './plugin.js';
