import { loadExperiment } from '@xp/core';
import type { BackendName } from '../backend/native-backend.js';
import { runExperiment } from '../run/run-experiment.js';

/** `xp run <file>`: trains one experiment and prints its MLflow run URL on stdout. */
export async function runCommand(file: string, opts: { set?: string[]; backend?: BackendName }): Promise<void> {
  const exp = await loadExperiment(file, { overrides: opts.set ?? [] });
  const outcome = await runExperiment(exp, { backend: opts.backend });
  process.stdout.write(`${outcome.url}\n`);
}
