// The trained model in MLflow 3.17's UI, checked in a real browser (headless Chromium, playwright-core, as in
// mlflow-ui.test.ts): after a tiny run with `mlflow.register`, the run page shows its logged model and the
// registered version, the logged model's page its test metrics and files, the experiment's Models view the
// model with its run, registration and dataset, and the registry's version page its source, alias and schema.
// An `xp evaluate` of the registered model adds its scores to the model's page and the model to its run's page.
// Every check saves a screenshot under test/out/browser-models/; a console error from a page fails it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@xp/runner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailability, launchBrowser, type Browser } from './browser/chromium.js';
import { rest, root, runIdFromUrl, xp } from './helpers.js';

const SHOTS = path.join(root, 'test/out/browser-models');
const REGISTERED = 'xp-e2e-digits';
const POLL = { timeout: 15_000, interval: 200 };
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

const availability = browserAvailability();
if (!availability.run) console.warn(`[mlflow-ui-models] ${availability.reason}`);

interface LoggedModel {
  info: { model_id: string; status: string; source_run_id: string };
  data: { metrics?: { key: string; value: number; run_id: string }[] };
}

describe.skipIf(!availability.run)('the logged and registered model in the MLflow UI (headless Chromium)', () => {
  let tmp: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let base: string;
  let runUrl: string;
  let runId: string;
  let evalUrl: string;
  let evalRunId: string;
  let experimentId: string;
  let model: LoggedModel;
  let shot = 0;

  const screenshot = (name: string) => browser.page.screenshot({ path: path.join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`) });

  beforeAll(async () => {
    if (availability.reason) throw new Error(availability.reason);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-e2e-ui-models-'));
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ backendStoreUri: `sqlite:///${tmp}/mlflow.db`, artifactsDir: path.join(tmp, 'artifacts') });
    base = server.url;
    const res = await xp(['run', 'test/fixtures/tiny-register.yaml', '--set', 'training.epochs=1'], { MLFLOW_TRACKING_URI: base, XP_STATE_DIR: path.join(tmp, 'state') });
    if (res.code !== 0) throw new Error(`xp run failed (${res.code}):\n${res.stderr}`);
    runUrl = res.stdout.trim();
    runId = runIdFromUrl(runUrl);
    const ev = await xp(['evaluate', `models:/${REGISTERED}@champion`, 'test/fixtures/tiny-register.yaml'], { MLFLOW_TRACKING_URI: base, XP_STATE_DIR: path.join(tmp, 'state'), XP_MODEL_CACHE: path.join(tmp, 'models') });
    if (ev.code !== 0) throw new Error(`xp evaluate failed (${ev.code}):\n${ev.stderr}`);
    evalUrl = ev.stdout.trim();
    evalRunId = runIdFromUrl(evalUrl);
    experimentId = (await rest<{ run: { info: { experiment_id: string } } }>(base, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run.info.experiment_id;
    const models = (await rest<{ models: LoggedModel[] }>(base, '/api/2.0/mlflow/logged-models/search', { experiment_ids: [experimentId] })).models;
    if (models.length !== 1) throw new Error(`expected one logged model, MLflow has ${models.length}`);
    model = models[0];
    browser = await launchBrowser(base);
  }, 240_000);

  afterEach(() => {
    if (browser) expect(browser.takeErrors(), 'console errors on the page').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the run page xp prints lists the logged model (Ready, registered as v1) and the registered version', async () => {
    const { page } = browser;
    await page.goto(runUrl);
    const heading = page.getByRole('heading', { name: 'Logged models (1)', exact: true });
    await heading.waitFor();
    const section = heading.locator('xpath=ancestor::div[.//*[@role="grid"]][1]');
    const cells = (col: string) => section.locator(`[role="gridcell"][col-id="${col}"]`);
    // The name cell also holds the model's colour chip (`#c82d4c`): the name is its link.
    await expect.poll(async () => (await cells('name').getByRole('link').allInnerTexts()).map(squash), POLL).toEqual(['model']);
    expect((await cells('status').allInnerTexts()).map(squash)).toEqual(['Ready']);
    expect((await cells('registered_models').allInnerTexts()).map(squash)).toEqual([`${REGISTERED} v1`]);
    await expect(cells('name').getByRole('link').getAttribute('href')).resolves.toBe(`#/experiments/${experimentId}/models/${model.info.model_id}`);
    // The run's own "Registered models" box names the same version.
    const registered = page.getByRole('heading', { name: 'Registered models', exact: true }).locator('xpath=..');
    await expect(registered.getByRole('link').getAttribute('href')).resolves.toBe(`#/models/${REGISTERED}/versions/1`);
    await section.scrollIntoViewIfNeeded();
    await screenshot('run-logged-model');
  });

  it("the logged model's page shows its test metrics on the test dataset, from the run and from the evaluation, and its files", async () => {
    const { page } = browser;
    await page.goto(runUrl);
    const section = page.getByRole('heading', { name: 'Logged models (1)', exact: true }).locator('xpath=ancestor::div[.//*[@role="grid"]][1]');
    await section.locator('[role="gridcell"][col-id="name"]').getByRole('link', { name: 'model' }).click();
    await page.waitForURL(new RegExp(`/models/${model.info.model_id}$`));
    const metrics = model.data.metrics ?? [];
    const runNames: Record<string, string> = { [runId]: 'e2e-tiny-register', [evalRunId]: 'e2e-tiny-register-evaluation' };
    // Every test metric twice: once from training, once from `xp evaluate`.
    expect(metrics.filter((m) => m.run_id === evalRunId).length).toBe(metrics.filter((m) => m.run_id === runId).length);
    await page.getByRole('heading', { name: `Metrics (${metrics.length})`, exact: true }).waitFor();
    for (const m of metrics) {
      const row = page
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: m.key, exact: true }) })
        .filter({ has: page.getByRole('cell', { name: runNames[m.run_id], exact: true }) });
      const [key, dataset, run, value] = (await row.getByRole('cell').allInnerTexts()).map(squash);
      expect([key, dataset.split(' ')[0], run]).toEqual([m.key, 'mnist_sequences', runNames[m.run_id]]);
      expect(Number(value)).toBeCloseTo(m.value, 6);
    }
    await screenshot('logged-model-metrics');
    await page.getByRole('link', { name: 'Artifacts', exact: true }).click();
    const node = (label: string) => page.getByTestId('artifact-tree-node').and(page.getByLabel(label, { exact: true }));
    for (const f of ['MLmodel', 'model.json', 'weights.bin', 'preprocessing.json', 'input_example.json']) await node(f).waitFor();
    await node('MLmodel').click();
    await page.locator('pre').filter({ hasText: `model_id: ${model.info.model_id}` }).waitFor();
    await screenshot('logged-model-artifacts');
  });

  it("the experiment's Models view lists the model with its run, registered version and test dataset", async () => {
    const { page } = browser;
    await page.goto(runUrl);
    // Reached as a user does: the Models entry of the experiment's model-training sidebar.
    await page.getByRole('link', { name: 'Models', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
    const cells = (col: string) => page.locator(`[role="gridcell"][col-id="${col}"]`);
    await expect.poll(async () => (await cells('status').allInnerTexts()).map(squash), POLL).toEqual(['Ready']);
    await expect(cells('name').getByRole('link', { name: 'model', exact: true }).getAttribute('href')).resolves.toContain(model.info.model_id);
    expect((await cells('source_run_id').allInnerTexts()).map(squash)).toEqual(['e2e-tiny-register']);
    expect((await cells('registered_models').allInnerTexts()).map(squash)).toEqual([`${REGISTERED} v1`]);
    expect((await cells('dataset').allInnerTexts()).map(squash)[0]).toMatch(/^mnist_sequences \(#[0-9a-f]+\)$/);
    await screenshot('experiment-models');
  });

  it('the registered version page shows version 1 from the run and its model, the alias, and the signature', async () => {
    const { page } = browser;
    await page.goto(runUrl);
    await page.getByRole('heading', { name: 'Registered models', exact: true }).locator('xpath=..').getByRole('link').click();
    await page.getByRole('heading', { name: 'Version 1', exact: true }).waitFor();
    await expect(page.getByRole('link', { name: 'e2e-tiny-register', exact: true }).first().getAttribute('href')).resolves.toContain(runId);
    await expect(page.getByRole('link', { name: 'model', exact: true }).first().getAttribute('href')).resolves.toContain(model.info.model_id);
    await page.getByText('@ champion').or(page.getByText('@champion')).first().waitFor();
    await page.getByText('Inputs (1)', { exact: true }).click();
    // The tiny fixture's 28×84 canvas, one channel, any batch size.
    const input = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'image (required)', exact: true }) });
    await expect.poll(async () => squash(await input.innerText()), POLL).toBe('image (required) Tensor (dtype: float32, shape: [-1,28,84,1])');
    await page.getByText('Outputs (1)', { exact: true }).click();
    const output = page.getByRole('row').filter({ hasText: /^digits/ });
    await expect.poll(async () => squash(await output.innerText()), POLL).toMatch(/Tensor \(dtype: float32, shape: \[-1,3,11\]\)$/);
    await screenshot('registered-version');
  });

  it('the evaluation run xp evaluate prints lists the model it scored as an input', async () => {
    const { page } = browser;
    await page.goto(evalUrl);
    await page.getByRole('heading', { name: 'e2e-tiny-register-evaluation' }).first().waitFor();
    const section = page.getByRole('heading', { name: 'Logged models (1)', exact: true }).locator('xpath=ancestor::div[.//*[@role="grid"]][1]');
    const cells = (col: string) => section.locator(`[role="gridcell"][col-id="${col}"]`);
    await expect.poll(async () => (await cells('relationship_type').allInnerTexts()).map(squash), POLL).toEqual(['Input']);
    await expect(cells('name').getByRole('link').getAttribute('href')).resolves.toBe(`#/experiments/${experimentId}/models/${model.info.model_id}`);
    await section.scrollIntoViewIfNeeded();
    await screenshot('evaluation-run-model-input');
  });
});
