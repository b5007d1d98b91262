// Where scripts/setup-mlflow.sh puts MLflow. Keep in sync with that script: same variables, same default.
import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MlflowNotInstalledError } from './errors.js';

/** The MLflow version xp pins (3.18.0's mlflow-skinny is missing from PyPI, see FACTS.md). */
export const MLFLOW_VERSION = '3.17.2';

/**
 * The venv directory: XP_MLFLOW_VENV, else `${XDG_CACHE_HOME:-~/.cache}/xp/venv-mlflow-<version>`.
 * It lives outside the repo so clean clones and `npm ci` reuse it.
 */
export function mlflowVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  // `||`, not `??`: like bash's ${VAR:-default}, an empty variable counts as unset.
  if (env.XP_MLFLOW_VENV) return path.resolve(env.XP_MLFLOW_VENV);
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(cache, 'xp', `venv-mlflow-${MLFLOW_VERSION}`);
}

/** `<venv>/bin/mlflow`, checked to be executable; throws MlflowNotInstalledError ("run `npm run setup`") otherwise. */
export function mlflowBin(venv: string = mlflowVenvDir()): string {
  const bin = process.platform === 'win32' ? path.join(venv, 'Scripts', 'mlflow.exe') : path.join(venv, 'bin', 'mlflow');
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new MlflowNotInstalledError(venv, `${bin} is missing or not executable`);
  }
  return bin;
}
