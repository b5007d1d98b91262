// Entry point of one trial process (started by the local executor or a worker; not a user command).
// It does what `xp run` does, in-process, plus two things a plain `xp run` child cannot:
// - it consults the sweep's pruner at each epoch end (a callback; see trial-callback.ts);
// - it dies with its supervisor: stdin is a pipe from it, which closes however the supervisor ends (even
//   SIGKILL), and the trial then SIGTERMs itself so the trainer ends its run KILLED. An orphan must not
//   finish: a lost worker's trial is retried elsewhere, and two completions of one trial would be a bug.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunInterruptedError } from '../run/errors.js';
import { ConfigError, loadExperiment, parseExperimentText, XpError } from '@xp/core';
import { MlflowClient } from '../mlflow/index.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import { runExperiment } from '../run/run-experiment.js';
import { createPruner } from './pruners/index.js';
import { SweepStore } from './sweep-store.js';
import { TrialPruning } from './trial-callback.js';
import { parseTrialSpec, TRIAL_SPEC_ENV, trialTags, type TrialSpec } from './trial-spec.js';

/** Runs one attempt at a trial in this process. Resolves when its run has ended. */
export async function runTrial(spec: TrialSpec, log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<void> {
  const plugins = await loadPlugins(spec.plugins);
  const opts = { overrides: spec.overrides, extensions: plugins.extensions };
  const exp = existsSync(spec.experimentFile)
    ? await loadExperiment(spec.experimentFile, opts)
    : await parseExperimentText(spec.experimentYaml, await tempExperimentPath(spec), opts);
  const client = new MlflowClient({ trackingUri: spec.trackingUri });
  const store = new SweepStore(client, spec.sweep.metric.name);
  const lost = await store.killLostAttempts(spec.parentRunId, spec.trialNumber, `lost: superseded by attempt ${spec.attempt}`);
  if (lost.length) log(`trial ${spec.trialNumber}: ended the lost attempt run(s) ${lost.join(', ')} as KILLED`);
  const pruner = createPruner(spec.sweep);
  const callbacks = pruner ? [new TrialPruning({ spec, pruner, store, log, epochs: exp.config.training.epochs })] : [];
  await runExperiment(exp, { tags: trialTags(spec), callbacks, log, pluginCallbacks: plugins.callbacks });
}

async function tempExperimentPath(spec: TrialSpec): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xp-trial-'));
  const file = path.join(dir, path.basename(spec.experimentFile));
  await writeFile(file, spec.experimentYaml);
  return file;
}

function watchSupervisor(): void {
  const orphaned = () => {
    process.stderr.write('trial: the sweep process is gone; stopping\n');
    process.kill(process.pid, 'SIGTERM');
  };
  process.stdin.once('end', orphaned);
  process.stdin.once('error', orphaned);
  process.stdin.resume();
}

// Only when started as a program (importing this module, e.g. in a test, runs nothing).
if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  watchSupervisor();
  runTrial(parseTrialSpec(process.env[TRIAL_SPEC_ENV])).then(
    () => process.exit(0),
    (e: unknown) => {
      const text = e instanceof ConfigError ? e.format() : e instanceof XpError ? e.message : ((e as Error).stack ?? String(e));
      process.stderr.write(`xp: error: ${text}\n`);
      process.exit(e instanceof RunInterruptedError ? e.exitCode : e instanceof ConfigError ? 2 : 1);
    },
  );
}
