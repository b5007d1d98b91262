// Debian's Chromium driven by playwright-core (Playwright's own browser download does not work on a closed
// network; scripts/setup-browser.sh, run by scripts/setup-test.sh and so by `npm test`, installs
// /usr/bin/chromium), and the collection of console errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the suite runs: always when Chromium is installed; without it, a local run skips (with a message)
 * and a CI run fails, so that a CI machine without a browser can never pass silently.
 */
export function browserAvailability(): { run: boolean; reason?: string } {
  if (fs.existsSync(CHROMIUM)) return { run: true };
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  if (ci) return { run: true, reason: `${CHROMIUM} is missing and CI is set: run scripts/setup-test.sh (npm test does) first` };
  return { run: false, reason: `${CHROMIUM} is missing: skipping the MLflow UI browser suite (run scripts/setup-test.sh; with CI set it fails instead)` };
}

/**
 * Flags as on the machine notes: headless as root needs --no-sandbox; the background-networking,
 * component-update, sync and QUIC flags stop Chromium's own calls to Google hosts, which a closed network
 * refuses (noise in the log, and CPU on a 2-core machine); no GPU here.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-gpu',
  '--disable-sync',
  '--disable-quic',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors since the last call, known noise filtered out. */
  takeErrors(): string[];
  close(): Promise<void>;
}

/**
 * Starts Chromium headless with a fresh user-data-dir (removed on close) and one page of 1280×1000 CSS px at
 * device scale 1 (screenshots stay small). `origin` is the MLflow server the pages come from; UI preferences
 * are set in localStorage before any page loads, as a user who picked them once would have them.
 */
export async function launchBrowser(origin: string): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 1000 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.addInitScript(() => {
    // The AI assistant panel opens on a first visit; a user closes it once (kept in localStorage). The
    // "GenAI | Model training" choice is deliberately NOT preset: the links xp prints must select the
    // model-training view themselves, as they do for a first-time visitor.
    localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
    localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !isKnownNoise(msg, origin)) errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return {
    context,
    page,
    takeErrors: () => {
      const out = errors;
      errors = [];
      return out;
    },
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Console errors that say nothing about our data. Each filter is as narrow as it can be:
 *
 * 1. `GET /ajax-api/2.0/mlflow/users/current` → 404: the UI asks who is logged in; a plain `mlflow server`
 *    (no `--app-name basic-auth`) has no such endpoint. Chromium logs every failed resource load.
 * 2. A failed load of a resource from another origin than the MLflow server: this machine's network is
 *    closed, so anything the page fetches from the internet (fonts, telemetry) fails; our data only comes
 *    from the server.
 * 3. "ResizeObserver loop completed with undelivered notifications", which MLflow's bundle re-logs from the
 *    window's error event: Chromium reports that a ResizeObserver callback changed the layout again within
 *    one frame (the runs table resizing its columns as rows arrive); the observers get the rest next frame.
 *    It is about layout timing, never about what is shown, and comes and goes with machine load.
 */
function isKnownNoise(msg: ConsoleMessage, origin: string): boolean {
  const url = msg.location().url;
  if (msg.text().includes('ResizeObserver loop completed with undelivered notifications')) return true;
  if (!msg.text().startsWith('Failed to load resource')) return false;
  if (url.startsWith(`${origin}/ajax-api/2.0/mlflow/users/current`) && / status of 404\b/.test(msg.text())) return true;
  return /^https?:/.test(url) && new URL(url).origin !== origin;
}
