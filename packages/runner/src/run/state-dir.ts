import fs from 'node:fs';
import path from 'node:path';

/** The project's state folder (`.xp/`, beside the nearest package.json with workspaces), or XP_STATE_DIR. */
export function stateDir(cwd = process.cwd()): string {
  if (process.env.XP_STATE_DIR) return path.resolve(process.env.XP_STATE_DIR);
  let dir = path.resolve(cwd);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).workspaces) return path.join(dir, '.xp');
      } catch {
        // an unreadable package.json is not a project root; keep looking upward
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(cwd, '.xp');
    dir = up;
  }
}
