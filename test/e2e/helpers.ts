// Shared e2e helpers: a real MLflow server per test file, the real CLI as a child process, raw REST reads
// (deliberately not our own client, so the client is checked rather than trusted).
import { spawn } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(new URL('../..', import.meta.url).pathname);
export const xpBin = path.join(root, 'packages/runner/bin/xp.js');

// libtensorflow's own start-up notes (printed to stderr whenever a command loads TensorFlow, e.g. when `xp validate`
// builds a model to check its shapes); no environment variable of TF 2.21 silences them. They are not xp's output.
const TF_STARTUP = /^(WARNING: All log messages before absl::InitializeLog\(\) is called|I0000 .* (port|cpu_feature_guard)\.cc:\d+\] |To enable the following instructions: .* rebuild TensorFlow)/;

/** `stderr` without libtensorflow's start-up notes, as lines (empty lines dropped). */
export function xpStderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !TF_STARTUP.test(l));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the xp CLI with the given tracking URI and returns its output. */
export function xp(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [xpBin, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** GET/POST against the MLflow REST API, failing loudly on non-2xx. */
export async function rest<T = Record<string, unknown>>(base: string, endpoint: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${endpoint}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${endpoint}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Downloads one artifact file of a run through the server. */
export async function artifact(base: string, runId: string, p: string): Promise<Buffer> {
  const res = await fetch(`${base}/get-artifact?run_id=${runId}&path=${encodeURIComponent(p)}`);
  if (!res.ok) throw new Error(`artifact ${p}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Downloads one file of the logged model a run output (its first), through the server's artifact proxy. */
export async function loggedModelFile(base: string, runId: string, file: string): Promise<Buffer> {
  const run = (await rest<{ run: { outputs?: { model_outputs?: { model_id: string }[] } } }>(base, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).run;
  const id = run.outputs?.model_outputs?.[0]?.model_id;
  if (!id) throw new Error(`run ${runId} has no logged model`);
  const model = (await rest<{ model: { info: { artifact_uri: string } } }>(base, `/api/2.0/mlflow/logged-models/${id}`)).model;
  const where = model.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '');
  const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${where}/${file}`);
  if (!res.ok) throw new Error(`logged model ${id} file ${file}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Extracts the run id from the URL `xp run` prints. */
export function runIdFromUrl(url: string): string {
  const m = /#\/experiments\/(\d+)\/runs\/([0-9a-f]{32})/.exec(url);
  if (!m) throw new Error(`no run URL in: ${url}`);
  return m[2];
}

/** `xp` as a child we can signal (or wait for); resolves with its output and when it exited. */
export function startXp(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [xpBin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null; exitedAt: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, exitedAt: performance.now() }));
  });
  return { child, done, stderr: () => stderr };
}

/** Calls `fn` every 200 ms until it returns something other than undefined. */
export async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

