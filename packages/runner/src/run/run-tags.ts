import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { LoadedExperiment } from '@xp/core';
import type { BoundTask } from '../tasks/task.js';

// Asynchronous, so that the git calls run while the caller loads data (a sweep trial's start-up).
function git(args: string[], cwd: string): Promise<string | null> {
  return new Promise((resolve) => execFile('git', args, { cwd, encoding: 'utf8' }, (err, stdout) => resolve(err ? null : stdout.trim())));
}

/** The standard MLflow tags of a run, plus xp's own (used by UI filters such as `tags.xp.stage = 'final'`). */
export async function runTags(exp: LoadedExperiment, backend: string, task: Pick<BoundTask, 'name' | 'headline'>): Promise<Record<string, string>> {
  const cwd = path.dirname(exp.file);
  const c = exp.config;
  const tags: Record<string, string> = {
    'mlflow.runName': c.name,
    'mlflow.source.name': path.relative(process.cwd(), exp.file) || exp.file,
    'mlflow.source.type': 'LOCAL',
    'mlflow.user': process.env.USER ?? os.userInfo().username,
    'xp.experiment_file': path.relative(process.cwd(), exp.file),
    'xp.config_hash': exp.hash,
    'xp.backend': backend,
    'xp.model': c.model.type,
    'xp.dataset': c.data.type,
    'xp.task': task.name,
    // What `xp compare`, sweeps and a reader of the UI judge the run by.
    'xp.headline_metric': task.headline.metric,
    'xp.headline_mode': task.headline.mode,
    ...c.mlflow.tags,
  };
  if (c.description) tags['mlflow.note.content'] = c.description;
  if (c.stage) tags['xp.stage'] = c.stage;
  const commit = await git(['rev-parse', 'HEAD'], cwd);
  if (commit) {
    tags['mlflow.source.git.commit'] = commit;
    const dirty = await git(['status', '--porcelain', '--untracked-files=no'], cwd);
    tags['xp.git_dirty'] = dirty ? 'true' : 'false';
  }
  return tags;
}
