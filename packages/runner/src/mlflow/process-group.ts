// Process helpers for the managed server. `mlflow server` forks uvicorn (and, unless disabled, job
// runners), so it is started as the leader of its own process group and stopped by signalling the group.
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import { MlflowServerStartError } from './errors.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a process (or, for a negative id, a process group) exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to the group led by `pgid`; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while the group led by `pgid` has a live member. Zombies do not count: a leader whose parent died
 * waits for init to reap it, and some container inits are slow to (or never) reap. Linux reads /proc;
 * elsewhere any member counts.
 */
export function groupAlive(pgid: number): boolean {
  if (!isAlive(-pgid)) return false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after "(comm)": state, ppid, pgrp, ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false; // exited while we looked
    }
  });
}

/** SIGTERM to the whole group, then SIGKILL if anything is left after `graceMs`; resolves once it is gone. */
export async function killProcessGroup(pgid: number, graceMs = 10_000): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) {
      signalGroup(pgid, 'SIGKILL');
      await sleep(200);
      return;
    }
    await sleep(100);
  }
}

/** The command line of a live process (Linux /proc), or null where it cannot be read. */
export function processCommandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

/** The last `lines` lines of a text file ('' when it does not exist). */
export async function tailFile(file: string, lines = 40): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Takes an exclusive lock file holding our pid; a lock whose holder died is taken over. Resolves to the
 * release function. (A takeover can race with another takeover; the window is one read and one unlink.)
 */
export async function acquireLock(file: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx' });
      return async () => {
        await fs.rm(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await fs.readFile(file, 'utf8').catch(() => ''));
    if (!holder || !isAlive(holder)) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new MlflowServerStartError(`timed out after ${timeoutMs} ms waiting for ${file}, held by pid ${holder}`, file, '');
    }
    await sleep(200);
  }
}

// Non-detached servers are stopped when xp exits: one set of process hooks, installed on first use. This
// is process-wide state on purpose: exit and signal handlers are process-wide too.
const attached = new Map<number, () => void>(); // pgid -> cleanup (sync)
let hooksInstalled = false;
function cleanupAttached(): void {
  for (const cleanup of attached.values()) cleanup();
  attached.clear();
}
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupAttached);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // When others listen (e.g. the trainer marking its run KILLED through this very server), leave the
      // server up for them: the 'exit' hook stops it. Alone, stop it and die of the signal as by default.
      if (process.listenerCount(sig) > 1) return;
      cleanupAttached();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Runs `cleanup` (synchronous) when this process exits or dies of SIGINT/SIGTERM/SIGHUP. */
export function stopOnExit(pid: number, cleanup: () => void): void {
  installExitHooks();
  attached.set(pid, cleanup);
}

/** Undoes {@link stopOnExit} (the server was stopped some other way). */
export function forgetOnExit(pid: number): void {
  attached.delete(pid);
}
