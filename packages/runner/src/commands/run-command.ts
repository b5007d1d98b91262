import { loadExperiment, XpError } from '@xp/core';
import type { BackendName } from '../backend/native-backend.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import { ResumeError } from '../run/errors.js';
import { runExperiment } from '../run/run-experiment.js';
import { prepareResume } from './resume-run.js';

/** Options of `xp run`. */
export interface RunCommandOptions {
  set?: string[];
  tag?: string[];
  backend?: BackendName;
  offline?: boolean;
  resume?: string;
  plugin?: string[];
}

/** `xp run <file>` / `xp run --resume <run-id>`: trains one experiment and prints its MLflow run URL on stdout. */
export async function runCommand(file: string | undefined, opts: RunCommandOptions): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const plugins = await loadPlugins(opts.plugin);
  const tags = Object.fromEntries(
    (opts.tag ?? []).map((t) => {
      const i = t.indexOf('=');
      if (i <= 0) throw new XpError('XP_CONFIG_BAD_TAG', `--tag ${t}: expected key=value`);
      return [t.slice(0, i), t.slice(i + 1)];
    }),
  );
  if (opts.resume) {
    if (opts.set?.length) throw new ResumeError('--resume continues a run with its own config; --set cannot change it');
    if (opts.offline) throw new ResumeError('--resume needs the MLflow server the run lives on; it cannot be combined with --offline');
    const { exp, resume } = await prepareResume(opts.resume, file, log, plugins.extensions);
    const outcome = await runExperiment(exp, { backend: opts.backend, tags, resume, log, pluginCallbacks: plugins.callbacks, registries: plugins.registries });
    process.stdout.write(`${outcome.url}\n`);
    return;
  }
  if (!file) throw new XpError('XP_CONFIG_NO_FILE', 'xp run: give an experiment file (e.g. experiments/mnist-seq/01-baseline.yaml) or --resume <run-id>');
  const exp = await loadExperiment(file, { overrides: opts.set ?? [], extensions: plugins.extensions });
  const offline = opts.offline || process.env.XP_OFFLINE === '1';
  const outcome = await runExperiment(exp, { backend: opts.backend, tags, offline, log, pluginCallbacks: plugins.callbacks, registries: plugins.registries });
  process.stdout.write(`${outcome.url}\n`);
}
