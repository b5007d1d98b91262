// `--plugin` and `${env:…}` secrets through the real CLI, a real MLflow server and a local webhook: the same
// config is refused without the plugin, runs with it (in `xp run` and in a sweep's trial process), and the
// secrets reach the webhook but nothing xp logs (params, config.resolved.yaml, tags, best_config.yaml, console).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childRuns, getRun, paramsOf, runIdFromOutput, tagsOf, type RestRun } from '../fixtures/sweep/helpers.js';
import { artifact, rest, runIdFromUrl, xp, xpStderrLines, type CliResult } from './helpers.js';

const PLUGIN = 'experiments/plugins/webhook/webhook-notify.mjs';
const FILE = 'test/fixtures/plugin-webhook.yaml';
const SWEEP = 'test/fixtures/sweep/plugin.yaml';
const UNKNOWN = `${FILE}:9:11: unknown callback type 'webhook_notify' at callbacks[0]; known: early_stopping, reduce_lr_on_plateau, model_checkpoint, terminate_on_nan, csv_logger, lr_schedule, unfreeze`;
// Unique per test run, so finding one anywhere can only mean it leaked.
const TOKEN = `tok-${randomUUID()}`;
const SECRET_PATH = `hook-${randomUUID()}`;
const SMALL = ['--set', 'training.epochs=1', '--set', 'mlflow.log_model=false'];

interface Post {
  path: string;
  auth?: string;
  body: { event: string; epoch?: number };
}

const lines = (r: CliResult) => r.stderr.split('\n').filter((l) => l !== '');

describe('--plugin and ${env:…} secrets, real CLI and MLflow', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let hook: http.Server;
  let tmp: string;
  let env: Record<string, string>;
  const posts: Post[] = [];
  const refused: Record<string, CliResult> = {};
  let validated: CliResult;
  let run: CliResult;
  let sweep: CliResult;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-plugin-'));
    hook = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        posts.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(text) as Post['body'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    env = {
      MLFLOW_TRACKING_URI: server.url,
      XP_STATE_DIR: path.join(tmp, 'state'),
      XP_E2E_HOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/${SECRET_PATH}`,
      XP_E2E_HOOK_TOKEN: TOKEN,
    };
    refused.validate = await xp(['validate', FILE], env);
    refused.run = await xp(['run', FILE, ...SMALL], env);
    refused.sweep = await xp(['sweep', SWEEP], env);
    validated = await xp(['validate', '--plugin', PLUGIN, FILE, SWEEP], env);
    run = await xp(['run', '--plugin', PLUGIN, FILE, ...SMALL], env);
    if (run.code !== 0) throw new Error(`xp run --plugin failed (${run.code}):\n${run.stderr}`);
    sweep = await xp(['sweep', '--plugin', PLUGIN, SWEEP], env);
    if (sweep.code !== 0) throw new Error(`xp sweep --plugin failed (${sweep.code}):\n${sweep.stderr}`);
  });

  afterAll(async () => {
    hook?.close();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each(['validate', 'run', 'sweep'])('without --plugin, xp %s refuses the config with the usual unknown-type error', (cmd) => {
    expect(lines(refused[cmd])).toEqual([UNKNOWN]);
    expect(refused[cmd].code).toBe(2);
    expect(refused[cmd].stdout).toBe('');
  });

  it('validate --plugin accepts the experiment and a sweep over the plugin callback\'s option', () => {
    expect(xpStderrLines(validated.stderr)).toEqual([]);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toContain(`${FILE}: ok (e2e-plugin-webhook, data mnist_sequences, model baseline-cnn, config `);
    expect(validated.stdout).toContain(`${SWEEP}: ok (sweep of e2e-plugin-webhook, minimize val_loss, 1 parameter, up to 1 trials)`);
  });

  it('run --plugin runs the plugin callback, which gets the secrets from the environment', async () => {
    const r = await getRun(server.url, runIdFromUrl(run.stdout));
    expect(r.info.status).toBe('FINISHED');
    expect(run.stderr).toContain('webhook_notify: posted epoch_end');
    expect(run.stderr).toContain('webhook_notify: posted train_end');
    // The run's one epoch (its posts come first: the sweep started after it), each with the secret URL and token.
    expect(posts.slice(0, 2).map((p) => p.body)).toEqual([expect.objectContaining({ event: 'epoch_end', epoch: 0 }), expect.objectContaining({ event: 'train_end' })]);
    for (const p of posts) expect(p).toMatchObject({ path: `/${SECRET_PATH}`, auth: `Bearer ${TOKEN}` });
  });

  it('a sweep with --plugin hands the plugin to its trial process', async () => {
    const parent = await getRun(server.url, runIdFromOutput(sweep.stdout));
    const children = await childRuns(server.url, parent);
    expect(children).toHaveLength(1);
    expect(children[0].info.status).toBe('FINISHED');
    expect(paramsOf(children[0])['callbacks']).toContain('"type":"webhook_notify"');
    // The trial trains two epochs and posts after every `every`-th, then at the end.
    const every = JSON.parse(tagsOf(children[0])['xp.trial_params'])['callbacks[0].every'] as number;
    const epochs = every === 1 ? [0, 1] : [1];
    expect(posts.slice(2).map((p) => p.body)).toEqual([...epochs.map((epoch) => expect.objectContaining({ event: 'epoch_end', epoch })), expect.objectContaining({ event: 'train_end' })]);
  });

  it('no secret in params, tags, config.resolved.yaml, best_config.yaml or the console; the references instead', async () => {
    const r = await getRun(server.url, runIdFromUrl(run.stdout));
    const parent = await getRun(server.url, runIdFromOutput(sweep.stdout));
    const [child] = await childRuns(server.url, parent);
    const runs: RestRun[] = [r, parent, child];
    const texts = [
      JSON.stringify(runs),
      (await artifact(server.url, r.info.run_id, 'config.resolved.yaml')).toString(),
      (await artifact(server.url, child.info.run_id, 'config.resolved.yaml')).toString(),
      (await artifact(server.url, parent.info.run_id, 'best_config.yaml')).toString(),
      ...[run, sweep, validated].flatMap((c) => [c.stdout, c.stderr]),
    ];
    for (const t of texts) {
      expect(t).not.toContain(TOKEN);
      expect(t).not.toContain(SECRET_PATH);
    }
    const callbacks = JSON.parse(paramsOf(r)['callbacks']) as Record<string, unknown>[];
    expect(callbacks).toEqual([{ type: 'webhook_notify', url: '${env:XP_E2E_HOOK_URL}', token: '${env:XP_E2E_HOOK_TOKEN}', every: 1, timeout_s: 10 }]);
    expect(texts[1]).toContain('url: ${env:XP_E2E_HOOK_URL}');
    expect(texts[1]).toContain('token: ${env:XP_E2E_HOOK_TOKEN}');
    expect(tagsOf(r)['xp.config_hash']).toMatch(/^[0-9a-f]{12}$/);
  });

  it('the refused commands created no run', async () => {
    const { runs = [] } = await rest<{ runs?: RestRun[] }>(server.url, '/api/2.0/mlflow/runs/search', {
      experiment_ids: [(await getRun(server.url, runIdFromUrl(run.stdout))).info.experiment_id],
      run_view_type: 'ALL',
      max_results: 100,
    });
    // the run, the sweep's parent and its one trial
    expect(runs).toHaveLength(3);
  });
});
