import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, runIdFromUrl, xp } from './helpers.js';

// The multi-user setup: a tracking server whose backend store is PostgreSQL (127.0.0.1:5432, trust auth).
const db = `xp_e2e_${process.pid}_${Date.now()}`;
const psql = (sql: string) => {
  const r = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
};

describe('xp run against MLflow with a PostgreSQL backend store', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-pg-'));
    psql(`CREATE DATABASE ${db}`);
    server = await startServer({
      backendStoreUri: `postgresql://postgres@127.0.0.1:5432/${db}`,
      artifactsDir: path.join(tmp, 'artifacts'),
    });
  });

  afterAll(async () => {
    await server?.stop();
    psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('two runs from two users land in one experiment, readable back with their metrics', async () => {
    const urls: string[] = [];
    for (const user of ['alice', 'bob']) {
      const r = await xp(['run', 'test/fixtures/tiny.yaml', '--set', 'training.epochs=1', '--set', `name=tiny-${user}`], {
        MLFLOW_TRACKING_URI: server.url,
        XP_STATE_DIR: path.join(tmp, 'state'),
        USER: user,
      });
      if (r.code !== 0) throw new Error(r.stderr);
      urls.push(r.stdout.trim());
    }
    const ids = urls.map(runIdFromUrl);
    const exp = await rest<{ experiment: { experiment_id: string } }>(server.url, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=xp-e2e');
    const found = await rest<{ runs: { info: { run_id: string; status: string; run_name: string }; data: { tags: { key: string; value: string }[] } }[] }>(
      server.url,
      '/api/2.0/mlflow/runs/search',
      { experiment_ids: [exp.experiment.experiment_id] },
    );
    expect(found.runs.map((r) => r.info.run_id).sort()).toEqual([...ids].sort());
    for (const r of found.runs) {
      expect(r.info.status).toBe('FINISHED');
      const user = r.data.tags.find((t) => t.key === 'mlflow.user')?.value;
      expect(r.info.run_name).toBe(`tiny-${user}`);
    }
    const h = await rest<{ metrics: { step: number }[] }>(server.url, `/api/2.0/mlflow/metrics/get-history?run_id=${ids[0]}&metric_key=val_exact_match`);
    expect(h.metrics.map((m) => m.step)).toEqual([0]);
  });
});
