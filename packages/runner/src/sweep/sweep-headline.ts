// What a sweep without `metric:` optimises: the headline of the task its experiment learns, asked of the task
// registry before any data is read (the trials and the parent run then all use that one resolved metric).
import type { SweepHeadline } from '@xp/core';
import { taskNameFor, type Registries } from '../registries/registries.js';

/**
 * The headline (as logged when validating) of the experiment's task: `task.type`, else the default task of
 * the data's target kind when the dataset knows it from the config; undefined otherwise.
 */
export function sweepHeadline(r: Registries): SweepHeadline {
  return (exp) => {
    const c = exp.config;
    const target = r.datasets[c.data.type]?.target?.(c.data);
    const name = taskNameFor(c, target);
    const task = name === undefined ? undefined : r.tasks[name];
    return task?.headline(c.task ?? { type: name }, true);
  };
}
