import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadExperiment } from '@xp/core';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childRuns, getRun, metricsOf, paramsOf, runIdFromOutput, startXp, tagsOf, type RestRun } from '../fixtures/sweep/helpers.js';
import { artifact, rest, xp } from './helpers.js';

const LR = 'training.optimizer.learning_rate';

describe('xp sweep, local trials, against a real MLflow server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let env: Record<string, string>;
  let parent: RestRun;
  let children: RestRun[];
  let stderr = '';

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-sweep-'));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    env = { MLFLOW_TRACKING_URI: server.url, XP_STATE_DIR: path.join(tmp, 'state') };
    const res = await startXp(['sweep', 'test/fixtures/sweep/local.yaml', '--register-best', 'e2e-sweep-best', '--alias', 'best'], env).done;
    stderr = res.stderr;
    if (res.code !== 0) throw new Error(`xp sweep failed (${res.code}):\n${res.stderr}`);
    parent = await getRun(server.url, runIdFromOutput(res.stdout));
    children = await childRuns(server.url, parent);
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows progress as plain lines when stderr is not a terminal', () => {
    expect(stderr).toMatch(/trial 0 started: learning_rate=\S+ dropout=0\.[13]/);
    expect(stderr).toMatch(/trial \d (COMPLETE|PRUNED).* \| \d\/4 done \(\d running, \d pruned, 0 failed\) \| best val_loss /);
  });

  it('makes one FINISHED parent run named after the sweep file, with the sweep as an artifact', async () => {
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.info.run_name).toBe('local');
    expect(tagsOf(parent)).toMatchObject({ 'xp.sweep': 'true', 'xp.sweep_id': parent.info.run_id });
    expect((await artifact(server.url, parent.info.run_id, 'sweep.yaml')).toString()).toContain('max_trials: 4');
  });

  it('logs the sweep settings and search space as params of the parent, and the best trial as tags', () => {
    expect(paramsOf(parent)).toEqual({
      'sweep.method': 'random', 'sweep.metric': 'val_loss', 'sweep.goal': 'minimize', 'sweep.max_trials': '4', 'sweep.parallel': '2', 'sweep.seed': '7',
      'sweep.early_termination.type': 'asha', 'sweep.early_termination.min_epochs': '1', 'sweep.early_termination.reduction_factor': '2',
      [`space.${LR}`]: 'log_uniform(0.0001, 0.01)', 'space.model.dropout': 'one of [0.1,0.3]',
    });
    const tags = tagsOf(parent);
    const best = children.find((c) => c.info.run_id === tags['best.run_id'])!;
    expect(best, 'best.run_id names a trial').toBeDefined();
    expect(Number(tags[`best.${LR}`])).toBe(Number(paramsOf(best)[LR]));
    expect(Number(tags['best.model.dropout'])).toBe(Number(paramsOf(best)['model.dropout']));
    expect(Number(tags['best.val_loss'])).toBe(metricsOf(parent).best_val_loss);
    expect(tags['best.trial']).toBe(tagsOf(best)['xp.trial_number']);
  });

  it('nests one child run per trial, each with the params it was sampled', () => {
    expect(children).toHaveLength(4);
    const byNumber = new Map(children.map((c) => [tagsOf(c)['xp.trial_number'], c]));
    expect([...byNumber.keys()].sort()).toEqual(['0', '1', '2', '3']);
    for (const c of children) {
      const tags = tagsOf(c);
      expect(tags['mlflow.parentRunId']).toBe(parent.info.run_id);
      expect(tags['xp.sweep_id']).toBe(parent.info.run_id);
      expect(c.info.status).toBe('FINISHED');
      const sampled = JSON.parse(tags['xp.trial_params']);
      expect(Number(paramsOf(c)[LR])).toBe(sampled[LR]);
      expect(JSON.parse(tagsOf(parent)[`xp.trial.${tags['xp.trial_number']}.params`])).toEqual(sampled);
      expect(c.info.run_name).toBe(`sweep-tiny-trial-${tags['xp.trial_number']}`);
    }
    expect(new Set(children.map((c) => paramsOf(c)[LR])).size).toBe(4);
  });

  it('marks pruned trials with xp.pruned (epoch and reason); the others ran every epoch', async () => {
    for (const c of children) {
      const pruned = tagsOf(c)['xp.pruned'];
      const h = await rest<{ metrics?: { step: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${c.info.run_id}&metric_key=val_loss`);
      if (pruned) {
        // Two epochs: only the rung after epoch 1 can stop a trial (after the last epoch nothing is decided).
        expect(pruned).toMatch(/^epoch 1: ASHA: /);
        expect(h.metrics).toHaveLength(1);
      } else {
        expect(h.metrics).toHaveLength(2);
      }
    }
  });

  it('logs trials.csv, the best value, the counts and the plots on the parent', async () => {
    const csv = (await artifact(server.url, parent.info.run_id, 'trials.csv')).toString().trim().split('\n');
    expect(csv[0]).toBe(`number,run_id,state,${LR},model.dropout,value,epochs,last_value`);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['0', '1', '2', '3']);
    const m = metricsOf(parent);
    expect(m.trials_total).toBe(4);
    expect(m.trials_complete + m.trials_pruned).toBe(4);
    const complete = children.filter((c) => !tagsOf(c)['xp.pruned']).map((c) => metricsOf(c).val_loss);
    expect(m.best_val_loss).toBe(Math.min(...complete));
    const plots = await rest<{ files?: { path: string }[] }>(server.url, `/api/2.0/mlflow/artifacts/list?run_id=${parent.info.run_id}&path=plots`);
    expect((plots.files ?? []).map((f) => f.path).sort()).toEqual(
      ['plots/learning_curves.png', 'plots/metric_by_trial.png', 'plots/param_model.dropout.png', `plots/param_${LR}.png`].sort(),
    );
    const png = await artifact(server.url, parent.info.run_id, 'plots/metric_by_trial.png');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it("--register-best registers the best trial's logged model, alias included", async () => {
    const bestRunId = tagsOf(parent)['xp.best_run_id'];
    const { model_version: v } = await rest<{ model_version: { version: string; run_id: string; source: string } }>(
      server.url,
      `/api/2.0/mlflow/registered-models/alias?name=e2e-sweep-best&alias=best`,
    );
    expect(v.version).toBe('1');
    expect(v.run_id).toBe(bestRunId);
    expect(v.source).toMatch(/^models:\/m-[0-9a-f]+$/);
  });

  it('logs best_config.yaml: the best trial applied, valid for xp validate and loadExperiment', async () => {
    const best = children.find((c) => c.info.run_id === tagsOf(parent)['xp.best_run_id'])!;
    const file = path.join(tmp, 'best_config.yaml');
    fs.writeFileSync(file, await artifact(server.url, parent.info.run_id, 'best_config.yaml'));
    const exp = await loadExperiment(file);
    expect(exp.config.training.optimizer.learning_rate).toBe(Number(paramsOf(best)[LR]));
    expect(exp.config.model).toMatchObject({ filters: [8], dropout: Number(paramsOf(best)['model.dropout']) });
    const v = await xp(['validate', file]);
    expect(v.code, v.stderr).toBe(0);
  });

  it('stops on SIGINT (parent and running trials KILLED) and --resume finishes without re-running finished trials', async () => {
    const first = startXp(['sweep', 'test/fixtures/sweep/resume.yaml'], env);
    await first.waitFor(/trial \d COMPLETE/);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    const interrupted = await getRun(server.url, runIdFromOutput(stopped.stdout));
    expect(interrupted.info.status).toBe('KILLED');
    const before = await childRuns(server.url, interrupted);
    const doneBefore = before.filter((c) => c.info.status === 'FINISHED').map((c) => tagsOf(c)['xp.trial_number']);
    expect(doneBefore.length).toBeGreaterThanOrEqual(1);
    expect(before.map((c) => c.info.status).filter((st) => st !== 'FINISHED' && st !== 'KILLED')).toEqual([]);
    expect(tagsOf(interrupted)['xp.sweep_state']).toMatch(/^interrupted/);

    const resumed = await startXp(['sweep', 'test/fixtures/sweep/resume.yaml', '--resume'], env).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(runIdFromOutput(resumed.stdout)).toBe(interrupted.info.run_id);
    const after = await childRuns(server.url, interrupted);
    const finished = after.filter((c) => c.info.status === 'FINISHED').map((c) => tagsOf(c)['xp.trial_number']);
    expect(finished.sort()).toEqual(['0', '1', '2', '3']);
    for (const n of doneBefore) expect(after.filter((c) => tagsOf(c)['xp.trial_number'] === n)).toHaveLength(1);
    const final = await getRun(server.url, interrupted.info.run_id);
    expect(final.info.status).toBe('FINISHED');
    expect(tagsOf(final)['xp.sweep_state']).toBe('finished');
  });
});
