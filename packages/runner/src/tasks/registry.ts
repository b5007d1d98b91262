import type { TaskType } from './task.js';
import { classificationTask } from './classification/index.js';
import { regressionTask } from './regression/index.js';
import { sequenceTask } from './sequence/index.js';

/**
 * Every built-in task, keyed by its `task.type` name. Adding a task means adding its folder and one line here;
 * `--plugin` entries are merged in by the runner, never into this object.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own schema
export const taskTypes: Readonly<Record<string, TaskType<any>>> = {
  sequence: sequenceTask,
  classification: classificationTask,
  regression: regressionTask,
};
