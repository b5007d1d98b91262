// `xp run --resume <run-id>`: finds what the interrupted run needs to continue — its config (the run's own
// config.resolved.yaml unless a file is given, which must then be the same config) and its last resume point
// (the local one of this machine, else the copy uploaded to the run's `resume/` artifacts).
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadExperiment, parseExperimentText, type LoadedExperiment, type SchemaExtensions } from '@xp/core';
import { MlflowApiError, MlflowClient } from '../mlflow/index.js';
import { ResumeError } from '../run/errors.js';
import { stateDir } from '../run/state-dir.js';
import { trackingTarget } from '../run/tracking-target.js';

/** What runExperiment needs to continue a run. */
export interface ResumeTarget {
  exp: LoadedExperiment;
  resume: { runId: string; experimentId: string; dir: string };
}

/** Looks the run up in MLflow and gathers its config and resume point. */
export async function prepareResume(runId: string, file: string | undefined, log: (msg: string) => void, extensions?: SchemaExtensions): Promise<ResumeTarget> {
  const { url } = await trackingTarget(log);
  const client = new MlflowClient({ trackingUri: url });
  let run;
  try {
    run = await client.getRun(runId);
  } catch (e) {
    if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw new ResumeError(`--resume ${runId}: no such run on ${url}`);
    throw e;
  }
  if (run.info.status === 'FINISHED') throw new ResumeError(`--resume ${runId}: the run already FINISHED; start a new run instead`);
  const runDir = path.join(stateDir(), 'runs', runId);
  const dir = path.join(runDir, 'resume');
  if (!existsSync(path.join(dir, 'state.json'))) await download(client, runId, 'resume', dir);
  if (!existsSync(path.join(dir, 'state.json'))) {
    throw new ResumeError(`--resume ${runId}: the run has no resume point (it stopped before its first epoch ended); start a new run instead`);
  }
  const tags = run.data.tags;
  let exp: LoadedExperiment;
  if (file) {
    exp = await loadExperiment(file, { extensions });
    if (tags['xp.config_hash'] && tags['xp.config_hash'] !== exp.hash) {
      throw new ResumeError(
        `--resume ${runId}: ${file} is not the config the run was started with (config hash ${exp.hash} vs ${tags['xp.config_hash']}); ` +
          'resume without a file to use the run\'s own config.resolved.yaml',
      );
    }
  } else {
    const text = (await client.downloadArtifact(runId, 'config.resolved.yaml')).toString('utf8');
    const local = path.join(runDir, 'config.resolved.yaml');
    await fs.mkdir(runDir, { recursive: true });
    await fs.writeFile(local, text);
    exp = await parseExperimentText(text, local, { extensions });
  }
  return { exp, resume: { runId, experimentId: run.info.experimentId, dir } };
}

async function download(client: MlflowClient, runId: string, from: string, to: string): Promise<void> {
  for (const f of await client.listArtifacts(runId, from)) {
    const dest = path.join(to, path.relative(from, f.path));
    if (f.isDir) {
      await download(client, runId, f.path, dest);
    } else {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.writeFile(dest, await client.downloadArtifact(runId, f.path));
    }
  }
}
