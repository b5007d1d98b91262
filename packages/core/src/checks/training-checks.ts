// Cross-field rules of core's own sections (training, the common model keys, the built-in callbacks).
import type { ModelCommonConfig } from '../schema/model-common.js';
import type { ConfigCheck } from './check.js';

/** Keras refuses both clip norms at once: per-weight and global clipping of the same step contradict each other. */
const oneClipNorm: ConfigCheck = (c) => {
  const o = c.training.optimizer;
  return o.clipnorm !== undefined && o.global_clipnorm !== undefined
    ? [{ pointer: '/training/optimizer/global_clipnorm', message: 'training.optimizer takes clipnorm (per weight) or global_clipnorm (all weights together), not both; remove one' }]
    : [];
};

const nesterovNeedsMomentum: ConfigCheck = (c) => {
  const o = c.training.optimizer;
  return o.type === 'sgd' && o.nesterov && o.momentum === 0
    ? [{ pointer: '/training/optimizer/nesterov', message: 'training.optimizer.nesterov needs momentum > 0 (Nesterov momentum with no momentum is plain SGD); set training.optimizer.momentum, e.g. 0.9' }]
    : [];
};

/**
 * `init_from` is `runs:/<run-id>[/path]`, `models:/…` or a path: another scheme (`s3://`, a typo like `run:/`)
 * would be read as a file name. A run id that is not one is caught here, before any server is asked.
 */
const initFromForm: ConfigCheck = (c) => {
  const from = (c.model as ModelCommonConfig).init_from;
  if (from === undefined) return [];
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(from)?.[1];
  if (scheme === undefined || scheme === 'models') return [];
  const issue = (message: string) => [{ pointer: '/model/init_from', message: `model.init_from ${JSON.stringify(from)}: ${message}` }];
  if (scheme === 'runs') {
    return /^runs:\/[0-9a-f]{32}(\/[^/]+)*\/?$/.test(from) ? [] : issue('not a run URI; write runs:/<run-id> with the 32 hex digits of the run id (the end of the run page\'s URL)');
  }
  return issue(`scheme ${scheme}: is not supported; use runs:/<run-id>, models:/<name>@<alias> (or /<version>), or a path to a model.json`);
};

/** The unfreeze callback's rate change and lr_schedule would fight over the rate; at_epoch must fall inside training. */
const unfreezeRules: ConfigCheck = (c) =>
  c.callbacks.flatMap((cb, i) => {
    if (cb.type !== 'unfreeze') return [];
    const at = `/callbacks/${i}`;
    const issues = [];
    if (cb.at_epoch >= c.training.epochs) {
      issues.push({ pointer: `${at}/at_epoch`, message: `callbacks[${i}].at_epoch ${cb.at_epoch} is not below training.epochs (${c.training.epochs}), so nothing would be unfrozen; lower it or train longer` });
    }
    if (cb.learning_rate !== undefined && cb.lr_factor !== undefined) {
      issues.push({ pointer: `${at}/lr_factor`, message: `callbacks[${i}] (unfreeze) takes learning_rate or lr_factor, not both; remove one` });
    }
    const key = cb.learning_rate !== undefined ? 'learning_rate' : cb.lr_factor !== undefined ? 'lr_factor' : undefined;
    if (key && c.callbacks.some((o) => o.type === 'lr_schedule')) {
      issues.push({
        pointer: `${at}/${key}`,
        message: `callbacks[${i}] (unfreeze) ${key} would be overwritten by the lr_schedule callback, which sets the learning rate every epoch; remove ${key} or the lr_schedule`,
      });
    }
    return issues;
  });

/** Core's own cross-field rules, run on every config before the registries' rules. */
export const CORE_CHECKS: readonly ConfigCheck[] = [oneClipNorm, nesterovNeedsMomentum, initFromForm, unfreezeRules];
