import { open } from 'node:fs/promises';
import { ConfigError, loadExperiment, loadSweep, XpError } from '@xp/core';
import { loadPlugins } from '../plugins/load-plugins.js';

/**
 * `xp validate <files…>`: checks experiment and sweep files without running anything; true when all are valid.
 * A sweep file (top-level `sweep:`) is checked with its experiment and every value its trials can get.
 * `debug` adds stack traces; `plugin` files add registry entries (loading them runs their code).
 */
export async function validateCommand(files: string[], opts: { set?: string[]; debug?: boolean; plugin?: string[] }): Promise<boolean> {
  const { extensions } = await loadPlugins(opts.plugin);
  let ok = true;
  for (const file of files) {
    try {
      if (await isSweepFile(file)) {
        if (opts.set?.length) throw new XpError('XP_CONFIG_SET_ON_SWEEP', `${file}: --set applies to experiment files; a sweep sets values through its parameters`);
        const sweep = await loadSweep(file, { extensions });
        const n = Object.keys(sweep.config.parameters).length;
        process.stdout.write(`${file}: ok (sweep of ${sweep.experiment.config.name}, ${n} parameter${n === 1 ? '' : 's'}, up to ${sweep.config.max_trials} trials)\n`);
        continue;
      }
      const exp = await loadExperiment(file, { overrides: opts.set ?? [], extensions });
      process.stdout.write(`${file}: ok (${exp.config.name}, model ${exp.config.model.type}, config ${exp.hash})\n`);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      ok = false;
      process.stderr.write(`${e.format()}\n`);
      if (opts.debug && e.stack) process.stderr.write(`${e.stack}\n`);
    }
  }
  return ok;
}

// A sweep file has a top-level `sweep:` key; an experiment never does. Only the start of the file is read (a
// key at column 0 comes early in any sweep file), so a huge or binary file is still left to the loader's checks.
async function isSweepFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    return /^sweep[ \t]*:/m.test(buffer.toString('utf8', 0, bytesRead));
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}
