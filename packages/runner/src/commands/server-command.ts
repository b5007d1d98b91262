import { ensureLocalServer, stopLocalServer, localServerStatus } from '../mlflow/index.js';
import { stateDir } from '../run/state-dir.js';

/** `xp server [start|stop|status]`: the embedded MLflow server whose UI users open. */
export async function serverCommand(action: string, opts: { detach?: boolean; port?: number }): Promise<void> {
  const dir = stateDir();
  if (action === 'stop') {
    const stopped = await stopLocalServer(dir);
    process.stdout.write(stopped ? 'MLflow server stopped\n' : 'no MLflow server was running\n');
    return;
  }
  if (action === 'status') {
    const s = await localServerStatus(dir);
    process.stdout.write(s ? `MLflow server running at ${s.url} (pid ${s.pid})\n` : 'no MLflow server running\n');
    return;
  }
  const detach = opts.detach ?? true;
  const server = await ensureLocalServer({ stateDir: dir, port: opts.port, detach });
  process.stdout.write(`MLflow UI: ${server.url}${server.reused ? ' (already running)' : ''}\n`);
  if (!detach) {
    process.stdout.write('press Ctrl+C to stop it\n');
    await new Promise(() => undefined);
  }
}
