import { open } from 'node:fs/promises';
import { ConfigError, loadExperiment, loadSweep, XpError, type LoadedExperiment } from '@xp/core';
import { DataFileError } from '@xp/data';
import { modelSummary } from '@xp/models';
import { loadBackend } from '../backend/native-backend.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import type { Registries } from '../registries/registries.js';
import { disposeSource } from '../run/init-from.js';
import { checkInputs } from '../run/prepare.js';
import { sweepHeadline } from '../sweep/sweep-headline.js';

/**
 * `xp validate <files…>`: checks experiment and sweep files without running anything; true when all are valid.
 * A sweep file (top-level `sweep:`) is checked with its experiment and every value its trials can get.
 * `debug` adds stack traces; `plugin` files add registry entries (loading them runs their code).
 */
export async function validateCommand(files: string[], opts: { set?: string[]; debug?: boolean; plugin?: string[]; summary?: boolean }): Promise<boolean> {
  const { extensions, registries } = await loadPlugins(opts.plugin);
  let ok = true;
  for (const file of files) {
    try {
      if (await isSweepFile(file)) {
        if (opts.set?.length) throw new XpError('XP_CONFIG_SET_ON_SWEEP', `${file}: --set applies to experiment files; a sweep sets values through its parameters`);
        const sweep = await loadSweep(file, { extensions, headline: sweepHeadline(registries) });
        const n = Object.keys(sweep.config.parameters).length;
        process.stdout.write(`${file}: ok (sweep of ${sweep.experiment.config.name}, ${sweep.config.metric.goal} ${sweep.config.metric.name}, ${n} parameter${n === 1 ? '' : 's'}, up to ${sweep.config.max_trials} trials)\n`);
        continue;
      }
      const exp = await loadExperiment(file, { overrides: opts.set ?? [], extensions });
      const summary = await checkDataAndModel(exp, registries);
      process.stdout.write(`${file}: ok (${exp.config.name}, data ${exp.config.data.type}, model ${exp.config.model.type}, config ${exp.hash})\n`);
      if (opts.summary) process.stdout.write(summary ? `${summary}\n` : `(no summary: the input shape of data.type ${exp.config.data.type} is known only once its files are read)\n`);
    } catch (e) {
      if (!(e instanceof ConfigError) && !(e instanceof DataFileError)) throw e;
      ok = false;
      process.stderr.write(`${e instanceof ConfigError ? e.format() : e.message}\n`);
      if (opts.debug && e.stack) process.stderr.write(`${e.stack}\n`);
    }
  }
  return ok;
}

/**
 * What `xp run` checks beyond the config before a run exists ({@link checkInputs}); returns the model summary when
 * the config alone gives the model's shape.
 */
async function checkDataAndModel(exp: LoadedExperiment, registries: Registries): Promise<string | undefined> {
  // Building a model needs a backend (nothing is trained); TensorFlow's start-up notes would only clutter the report.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  await loadBackend(exp.config.backend === 'cpu' ? 'cpu' : 'tensorflow');
  // The float32 fallback note is for runs; a refusal (precision_fallback: error) still throws.
  const { model, initSource } = await checkInputs(exp, registries, () => undefined);
  try {
    return model && modelSummary(model).text;
  } finally {
    model?.dispose();
    disposeSource(initSource);
  }
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
