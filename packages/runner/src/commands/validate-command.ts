import { ConfigError, loadExperiment } from '@xp/core';

/** `xp validate <files…>`: checks files without running anything; true when all are valid. */
export async function validateCommand(files: string[], opts: { set?: string[] }): Promise<boolean> {
  let ok = true;
  for (const file of files) {
    try {
      const exp = await loadExperiment(file, { overrides: opts.set ?? [] });
      process.stdout.write(`${file}: ok (${exp.config.name}, model ${exp.config.model.type}, config ${exp.hash})\n`);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      ok = false;
      process.stderr.write(`${e.format()}\n`);
    }
  }
  return ok;
}
