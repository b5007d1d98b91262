// Phase 5 of a run: the trained model as an artifact — the tfjs files plus `preprocessing.json`, everything
// needed to feed it new inputs and read its outputs without the experiment file (normalisation, image size,
// a table's column encoders, class names, the task and its target).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunTracker } from '../tracking/spool/run-tracker.js';
import { saveModel } from './model-artifact.js';
import type { Prepared } from './prepare.js';

/** Saves the model and its preprocessing under `dir` and journals them as the run's `model/` artifacts. */
export async function logModel(p: Prepared, tracker: RunTracker, dir: string): Promise<void> {
  await saveModel(p.model, dir);
  const preprocessing = { task: p.task.name, target: p.data.info.target, input: p.data.info.input, ...p.data.preprocessing() };
  await fs.writeFile(path.join(dir, 'preprocessing.json'), JSON.stringify(preprocessing, null, 2));
  tracker.logArtifactDir(dir, 'model');
}
