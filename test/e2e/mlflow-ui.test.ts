// Comparing runs in the MLflow UI, checked in a real browser: a real `mlflow server`, runs logged through the
// real CLI (two steps of the mnist-seq progression and a 3-trial sweep, all tiny), then MLflow 3.17's React
// UI in headless Chromium (playwright-core). Every check saves a screenshot under test/out/browser/, and a
// console error from a page fails the check it happened in (known noise: browser/chromium.ts).
// `XP_UPDATE_DOCS=1` also copies the compare-page screenshot to docs/mlflow-compare.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadExperiment } from '@xp/core';
import { startServer } from '@xp/runner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childRuns, getRun, metricsOf, paramsOf, runIdFromOutput, tagsOf, type RestRun } from '../fixtures/sweep/helpers.js';
import { browserAvailability, launchBrowser, type Browser } from './browser/chromium.js';
import { chartMarkerXs, compareMetricValues, gridRowIndex } from './browser/mlflow-pages.js';
import { artifact, rest, root, runIdFromUrl, xp } from './helpers.js';

const EXPERIMENT = 'xp-e2e-ui';
const EPOCHS = 3;
const SHOTS = path.join(root, 'test/out/browser');
const DOCS_SHOT = path.join(root, 'docs/mlflow-compare.png');
const SWEEP_FILE = 'test/e2e/browser/lr-sweep.yaml';
// Small enough for seconds per run. Step 01's own YAML has no validation split; step 02 adds one, so the
// params that differ between the two are the ones the progression changes (name, stage, data.val.count).
const TINY = ['data.train.count=256', 'data.test.count=128', `training.epochs=${EPOCHS}`, 'model.filters=[8]', 'model.dense_units=16', `experiment=${EXPERIMENT}`];
const STEPS = [
  { file: 'experiments/mnist-seq/01-baseline.yaml', set: TINY },
  { file: 'experiments/mnist-seq/02-validation.yaml', set: [...TINY, 'data.val.count=128'] },
];

const availability = browserAvailability();
if (!availability.run) console.warn(`[mlflow-ui] ${availability.reason}`);

/** Waits of the UI (a page renders in well under a second here; the margin is for a loaded machine). */
const POLL = { timeout: 15_000, interval: 200 };

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Same number as shown: MLflow rounds to 3 decimals below 10, fewer above (5e-4 relative covers both). */
function expectShown(shown: string, value: number) {
  expect(shown).toMatch(/^-?\d/);
  expect(Math.abs(Number(shown) - value), `shown ${shown}, logged ${value}`).toBeLessThanOrEqual(5e-4 * Math.max(1, Math.abs(value)));
}

describe.skipIf(!availability.run)('comparing runs in the MLflow UI (headless Chromium)', () => {
  let tmp: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let base: string;
  let steps: RestRun[];
  let sweep: RestRun;
  let trials: RestRun[];
  let compareUrl: string;
  let experimentUrl: string;
  /** The run URLs `xp run` printed, one per step. */
  const runUrls: string[] = [];
  let shot = 0;

  const screenshot = async (name: string) => {
    const file = path.join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`);
    await browser.page.screenshot({ path: file });
    return file;
  };

  beforeAll(async () => {
    if (availability.reason) throw new Error(availability.reason);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-ui-'));
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    base = server.url;
    const env = { MLFLOW_TRACKING_URI: base, XP_STATE_DIR: path.join(tmp, 'state') };
    steps = [];
    for (const step of STEPS) {
      const res = await xp(['run', step.file, ...step.set.flatMap((s) => ['--set', s])], env);
      if (res.code !== 0) throw new Error(`xp run ${step.file} failed (${res.code}):\n${res.stderr}`);
      steps.push(await getRun(base, runIdFromUrl(res.stdout)));
      runUrls.push(res.stdout.trim());
    }
    const res = await xp(['sweep', SWEEP_FILE], env);
    if (res.code !== 0) throw new Error(`xp sweep failed (${res.code}):\n${res.stderr}`);
    sweep = await getRun(base, runIdFromOutput(res.stdout));
    experimentUrl = /^MLflow experiment: (\S+)$/m.exec(res.stderr)?.[1] ?? '';
    trials = await childRuns(base, sweep);
    const cmp = await xp(['compare', ...steps.map((r) => r.info.run_id), '--out', path.join(tmp, 'compare')], env);
    if (cmp.code !== 0) throw new Error(`xp compare failed (${cmp.code}):\n${cmp.stderr}`);
    compareUrl = /^MLflow UI: (\S+)$/m.exec(cmp.stdout)?.[1] ?? '';
    browser = await launchBrowser(base);
  }, 240_000);

  afterEach(() => {
    // Errors are taken per check, so that a failure names the page it came from.
    if (browser) expect(browser.takeErrors(), 'console errors on the page').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('logged what the pages are checked against', () => {
    expect(steps.map((r) => [r.info.run_name, r.info.status])).toEqual([['01-baseline', 'FINISHED'], ['02-validation', 'FINISHED']]);
    expect(sweep.info.run_name).toBe('lr-sweep');
    expect(trials.map((t) => [t.info.run_name, t.info.status])).toEqual([0, 1, 2].map((n) => [`ui-sweep-trial-${n}`, 'FINISHED']));
    expect(new Set([...steps, sweep, ...trials].map((r) => r.info.experiment_id)).size).toBe(1);
    expect(compareUrl).toMatch(/#\/compare-runs\?runs=\[/);
    expect(experimentUrl.startsWith(`${base}/#/experiments/${sweep.info.experiment_id}`), experimentUrl).toBe(true);
  });

  it('the experiment URL xp prints opens the Runs table with the headline metrics as columns, for a first-time visitor', async () => {
    const { page } = browser;
    // The first page of a fresh profile with no workflow type picked (browser/chromium.ts): the model-training
    // view must come from the URL.
    await page.goto(experimentUrl);
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    const link = (name: string) => page.getByRole('link', { name, exact: true });
    for (const name of ['01-baseline', '02-validation', 'lr-sweep']) await link(name).waitFor();
    const header = (name: string) => page.getByRole('columnheader').filter({ hasText: new RegExp(`^\\s*${name}\\s*$`) });
    const width = page.viewportSize()!.width;
    for (const key of ['val_exact_match', 'test_exact_match']) {
      await header(key).first().waitFor();
      // Shown means on screen, not only in the DOM beyond a horizontal scroll.
      const box = (await header(key).first().boundingBox())!;
      expect(box.x + box.width, `${key} column ends at x=${box.x + box.width}`).toBeLessThanOrEqual(width);
    }
    // The value in 02-validation's row is the one logged (the row's cells are matched by the grid's row index).
    const row = await gridRowIndex(link('02-validation'));
    const logged = metricsOf(steps[1]).test_exact_match;
    const cell = page.locator(`[role="row"][row-index="${row}"] [col-id="metrics.\`test_exact_match\`"]`).first();
    await expect.poll(async () => squash(await cell.innerText()), POLL).toMatch(/^\d/);
    expectShown(squash(await cell.innerText()), logged);
    await screenshot('experiment-runs-metrics');
  });

  it('the experiment page lists the runs by their YAML names, the sweep trials nested under their parent', async () => {
    const { page } = browser;
    await page.goto(experimentUrl);
    const link = (name: string) => page.getByRole('link', { name, exact: true });
    for (const name of ['01-baseline', '02-validation', 'lr-sweep']) await link(name).waitFor();
    // Collapsed: a sweep is one row; its trials are not listed beside the progression runs.
    for (const t of trials) await expect(link(t.info.run_name).count()).resolves.toBe(0);
    await page.getByRole('gridcell').filter({ has: link('lr-sweep') }).getByRole('button').click();
    const parentRow = await gridRowIndex(link('lr-sweep'));
    const parentX = (await link('lr-sweep').boundingBox())!.x;
    const rows: number[] = [];
    for (const t of trials) {
      await link(t.info.run_name).waitFor();
      rows.push(await gridRowIndex(link(t.info.run_name)));
      expect((await link(t.info.run_name).boundingBox())!.x, 'trial names are indented under the sweep').toBeGreaterThan(parentX + 8);
    }
    // The trials are the rows right below the parent, before any other run.
    expect(rows.sort()).toEqual([parentRow + 1, parentRow + 2, parentRow + 3]);
    await screenshot('experiment-runs');
  });

  it('the compare-runs page that `xp compare` links shows the params that differ and both runs’ metrics', async () => {
    const { page } = browser;
    await page.goto(compareUrl);
    await page.getByRole('heading', { name: 'Comparing 2 Runs from 1 Experiment' }).waitFor();
    // Columns are in the order of the runs in the URL; read it off the page rather than assume it.
    const nameRow = page.getByRole('row').filter({ has: page.getByText('Run Name:', { exact: true }) });
    const columns = (await nameRow.getByRole('cell').allInnerTexts()).map(squash).filter((t) => t !== '' && t !== 'Run Name:');
    expect([...columns].sort()).toEqual(['01-baseline', '02-validation']);
    const runs = columns.map((name) => steps.find((r) => r.info.run_name === name)!);

    await page.getByRole('switch', { name: 'Parameters - Show diff only' }).click();
    const [pa, pb] = runs.map(paramsOf);
    const differing = [...new Set([...Object.keys(pa), ...Object.keys(pb)])].filter((k) => pa[k] !== pb[k]).sort();
    expect(differing).toEqual(expect.arrayContaining(['name', 'stage', 'data.val.count']));
    const params = page.getByRole('table').filter({ has: page.getByRole('rowheader', { name: 'stage', exact: true }) });
    await expect.poll(() => params.getByRole('row').count(), POLL).toBe(differing.length);
    const shown: Record<string, string[]> = {};
    for (const row of await params.getByRole('row').all()) {
      shown[squash(await row.getByRole('rowheader').innerText())] = (await row.getByRole('cell').allInnerTexts()).map(squash);
    }
    expect(shown).toEqual(Object.fromEntries(differing.map((k) => [k, [pa[k] ?? '', pb[k] ?? '']])));

    // The README picture: run details, the differing params and the first metrics.
    await page.getByRole('button', { name: 'Visualizations' }).click();
    const file = await screenshot('compare-runs');
    expect(fs.statSync(file).size).toBeLessThan(300 * 1024);
    if (process.env.XP_UPDATE_DOCS === '1') {
      fs.mkdirSync(path.dirname(DOCS_SHOT), { recursive: true });
      fs.copyFileSync(file, DOCS_SHOT);
    }

    const logged = runs.map(metricsOf);
    for (const key of ['loss', 'exact_match', 'test_exact_match']) {
      const values = await compareMetricValues(page, key);
      expect(values, key).toHaveLength(2);
      values.forEach((v, i) => expectShown(v, logged[i][key]));
    }
    // Only step 02 has a validation split: its value is shown; step 01 logged none, for which MLflow 3.17
    // prints NaN (no number, in any case).
    const val = await compareMetricValues(page, 'val_exact_match');
    runs.forEach((r, i) => {
      if (r.info.run_name === '02-validation') return expectShown(val[i], logged[i].val_exact_match);
      expect(logged[i].val_exact_match).toBeUndefined();
      expect(['', '-', 'NaN'], `01-baseline shows ${val[i]}`).toContain(val[i]);
    });
    await page.getByRole('switch', { name: 'Metrics - Show diff only' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot('compare-metrics');
  });

  it('the val_exact_match chart has one point per epoch on the step axis', async () => {
    const { page } = browser;
    const run = steps[1];
    const history = await rest<{ metrics: { step: number; value: number }[] }>(base, `/api/2.0/mlflow/metrics/get-history?run_id=${run.info.run_id}&metric_key=val_exact_match`);
    expect(history.metrics.map((m) => m.step).sort()).toEqual([...Array(EPOCHS).keys()]);
    // The page MLflow links from the compare table's metric names, with points drawn.
    const key = JSON.stringify('val_exact_match');
    const query = [
      `runs=${JSON.stringify([run.info.run_id])}`, `metric=${encodeURIComponent(key)}`, `experiments=${JSON.stringify([run.info.experiment_id])}`,
      `plot_metric_keys=${encodeURIComponent(`[${key}]`)}`, 'plot_layout={}', 'x_axis=step', 'y_axis_scale=linear', 'line_smoothness=1',
      'show_point=true', 'deselected_curves=[]', 'last_linear_y_axis_range=[]',
    ].join('&');
    await page.goto(`${base}/#/metric?${query}`);
    const chart = page.locator('.js-plotly-plot');
    await expect.poll(() => chart.locator('.points path.point').count(), POLL).toBe(EPOCHS);
    await expect(page.getByRole('radio', { name: 'Step' }).isChecked()).resolves.toBe(true);
    expect(squash((await chart.locator('.g-xtitle').textContent()) ?? '')).toBe('Step');
    await page.getByText('02-validation (val_exact_match)', { exact: true }).waitFor();
    const xs = await chartMarkerXs(chart);
    for (const x of xs) expect(Math.abs(x - Math.round(x)), `marker at step ${x}`).toBeLessThan(0.05);
    expect(xs.map(Math.round)).toEqual([...Array(EPOCHS).keys()]);
    // The summary table under the chart names the step of the last value.
    const last = history.metrics.reduce((a, b) => (b.step > a.step ? b : a));
    const summary = page.getByRole('row').filter({ hasText: /^val_exact_match/ });
    await expect(summary.innerText()).resolves.toContain(`${last.value} (step=${EPOCHS - 1})`);
    await screenshot('metric-chart');
  });

  it('the artifact viewer shows config.resolved.yaml and renders the learning curves', async () => {
    const { page } = browser;
    const run = steps[1];
    const node = (label: string) => page.getByTestId('artifact-tree-node').and(page.getByLabel(label, { exact: true }));
    await page.goto(`${base}/#/experiments/${run.info.experiment_id}/runs/${run.info.run_id}/artifacts`);
    await node('config.resolved.yaml').click();
    const yaml = (await artifact(base, run.info.run_id, 'config.resolved.yaml')).toString();
    const viewer = page.locator('pre').filter({ hasText: 'name: 02-validation' });
    await viewer.waitFor();
    expect(squash(await viewer.innerText())).toBe(squash(yaml));
    await screenshot('artifact-config');

    await node('plots').click();
    await node('learning_curves.png').click();
    const img = page.getByRole('img', { name: 'plots/learning_curves.png' });
    const png = await artifact(base, run.info.run_id, 'plots/learning_curves.png');
    // The decoded picture is the logged one: its width is the PNG header's (IHDR, bytes 16–19).
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), POLL).toBe(png.readUInt32BE(16));
    expect(await img.isVisible()).toBe(true);
    await screenshot('artifact-learning-curves');
  });

  it('the run URL xp prints opens the run, whose System metrics tab plots CPU and memory', async () => {
    const { page } = browser;
    await page.goto(runUrls[1]);
    await page.getByRole('heading', { name: '02-validation' }).first().waitFor();
    await page.getByRole('link', { name: 'System metrics', exact: true }).or(page.getByRole('tab', { name: 'System metrics', exact: true })).first().click();
    for (const chart of ['cpu_utilization_percentage', 'system_memory_usage_megabytes', 'process_rss_megabytes']) {
      await page.getByText(chart, { exact: true }).first().waitFor();
    }
    await screenshot('run-system-metrics');
  });

  it('the run page shows the YAML description as the run description', async () => {
    const { page } = browser;
    const run = steps[1];
    const { config } = await loadExperiment(path.join(root, STEPS[1].file));
    expect(tagsOf(run)['mlflow.note.content']).toBe(config.description);
    await page.goto(`${base}/#/experiments/${run.info.experiment_id}/runs/${run.info.run_id}`);
    await page.getByRole('heading', { name: 'Description' }).waitFor();
    const note = page.getByTestId('note-editor-preview-content');
    // Rendered as Markdown: `code` spans lose their backticks.
    await expect.poll(async () => squash(await note.innerText()), POLL).toBe(squash((config.description ?? '').replace(/`/g, '')));
    await screenshot('run-description');
  });
});
