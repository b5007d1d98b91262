// Opens a URL in the desktop's browser, best effort: a server or container without a browser is normal.
import { spawn } from 'node:child_process';

/** The opener command of this platform. */
export function openerCommand(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' ? 'open' : 'xdg-open';
}

/** Starts the opener on `url`, detached. Resolves false (never rejects) when the opener cannot run. */
export function openUrl(url: string, command = openerCommand()): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
