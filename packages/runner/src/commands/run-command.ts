import { loadExperiment, XpError } from '@xp/core';
import { loadPlugins } from '../plugins/load-plugins.js';
import type { BackendName } from '../backend/native-backend.js';
import { runExperiment } from '../run/run-experiment.js';

/** `xp run <file>`: trains one experiment and prints its MLflow run URL on stdout. */
export async function runCommand(file: string, opts: { set?: string[]; tag?: string[]; backend?: BackendName; plugin?: string[] }): Promise<void> {
  const plugins = await loadPlugins(opts.plugin);
  const exp = await loadExperiment(file, { overrides: opts.set ?? [], extensions: plugins.extensions });
  const tags = Object.fromEntries(
    (opts.tag ?? []).map((t) => {
      const i = t.indexOf('=');
      if (i <= 0) throw new XpError('XP_CONFIG_BAD_TAG', `--tag ${t}: expected key=value`);
      return [t.slice(0, i), t.slice(i + 1)];
    }),
  );
  const outcome = await runExperiment(exp, { backend: opts.backend, tags, pluginCallbacks: plugins.callbacks });
  process.stdout.write(`${outcome.url}\n`);
}
