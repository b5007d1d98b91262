// The sweep's objective: as written, or filled in from the task's headline metric and its direction (the
// caller knows the task registry; core only asks it). A metric that cannot be resolved is a config error at
// the part of the sweep file that has to be written.
import { locate, type Origins } from '../config/origins.js';
import { toDotted } from '../config/pointer.js';
import { displayPath, type ConfigIssue } from '../errors.js';
import type { LoadedExperiment } from '../loader.js';
import { sweepPointer } from './checks.js';
import type { SweepMetric, SweepSection } from './schema.js';

/**
 * The headline metric of the experiment's task (as logged when validating) and its direction, or undefined
 * when the task is not known before the data is read.
 */
export type SweepHeadline = (experiment: LoadedExperiment) => { metric: string; mode: 'max' | 'min' } | undefined;

const GOAL = { max: 'maximize', min: 'minimize' } as const;

/** The resolved metric of `section`, or the issues saying what to write. */
export function resolveSweepMetric(section: SweepSection, origins: Origins, experiment: LoadedExperiment, headline?: SweepHeadline): SweepMetric | ConfigIssue[] {
  const { name, goal } = section.metric ?? {};
  if (name !== undefined && goal !== undefined) return { name, goal };
  const issue = (segments: string[], prefer: 'key' | 'value', message: string): ConfigIssue[] => {
    const pointer = sweepPointer(...segments);
    return [{ ...locate(origins, pointer, prefer), path: toDotted(pointer), message }];
  };
  const h = headline?.(experiment);
  if (h === undefined) {
    const what = name === undefined ? 'metric' : 'metric.goal';
    const c = experiment.config;
    return issue(name === undefined ? (section.metric ? ['metric'] : []) : ['metric', 'name'], name === undefined ? 'key' : 'value',
      `the sweep has no ${what}, and the task of its experiment (${displayPath(experiment.file)}) is not known before its data is read ` +
        `(no task: and data.type ${c.data.type} has no fixed target kind); add metric: { name: <a metric logged per epoch, e.g. val_accuracy>, goal: maximize or minimize }, or set task: in the experiment`);
  }
  const headlineGoal = GOAL[h.mode];
  if (name === undefined) {
    if (goal !== undefined && goal !== headlineGoal) {
      return issue(['metric', 'goal'], 'value', `metric.goal ${goal} is the wrong way round for the task's headline ${h.metric} (${headlineGoal}); remove goal, or name another metric`);
    }
    return { name: h.metric, goal: headlineGoal };
  }
  if (name === h.metric) return { name, goal: headlineGoal };
  return issue(['metric', 'name'], 'value', `metric ${name} needs a goal: only the task's headline (${h.metric}, ${headlineGoal}) has a known direction; add goal: maximize or goal: minimize`);
}
