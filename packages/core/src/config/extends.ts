// `extends` composition. Each file is parsed on its own (so positions stay per file), its bases are
// resolved first, and the layers are merged base first, this file last, so the file that extends wins.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, displayPath } from '../errors.js';
import { interpolateEnv, type Env } from './env-interpolation.js';
import { mergeLayers, type Layer } from './merge.js';
import { dropOrigins, locate, type Location } from './origins.js';
import { parseYaml } from './parse-yaml.js';
import { toPointer } from './pointer.js';
import { readSource } from './source.js';

/** Keys that only steer loading; they are removed from the resolved config. */
const LOADER_KEYS = ['extends', '$schema'] as const;

/** A file with its `extends` chain merged in. */
export interface ResolvedLayer extends Layer {
  /** Absolute paths of every file that contributed, bases first, this file last. */
  files: string[];
}

interface BaseRef {
  target: string;
  raw: string;
  /** Where the reference is written, for errors (taken before `extends` is stripped). */
  at: Location;
}

/**
 * Loads `file` (or parses `text` as its content) and merges in everything it extends.
 *
 * @param file - Absolute path of the file; `extends` paths are relative to its folder.
 * @param text - The file's content when already in memory. Defaults to reading `file`.
 * @param env - Read by `${env:NAME}` references in every file of the chain. Defaults to `process.env`.
 */
export async function resolveExtends(file: string, text?: string, env: Env = process.env): Promise<ResolvedLayer> {
  return load(file, [], env, text);
}

async function load(file: string, chain: string[], env: Env, text?: string): Promise<ResolvedLayer> {
  const own = parseYaml(text ?? (await readSource(file)), file);
  const refs = baseRefs(own, file);
  for (const key of LOADER_KEYS) {
    delete own.data[key];
    dropOrigins(own.origins, toPointer([key]));
  }
  // After the loader keys are gone: which files are read is decided by the text alone, never by the environment.
  const envIssues = interpolateEnv(own, '', env);
  if (envIssues.length) throw new ConfigError(envIssues);
  let merged: Layer | undefined;
  const files: string[] = [];
  for (const ref of refs) {
    const stack = [...chain, file];
    if (stack.includes(ref.target)) {
      const cycle = [...stack.slice(stack.indexOf(ref.target)), ref.target].map((f) => displayPath(f)).join(' → ');
      throw refError(ref, `extends cycle: ${cycle}; a file cannot (indirectly) extend itself, remove one of these extends`);
    }
    await checkExists(ref);
    const base = await load(ref.target, stack, env);
    merged = merged ? mergeLayers(merged, base) : base;
    files.push(...base.files);
  }
  const layer = merged ? mergeLayers(merged, own) : own;
  return { ...layer, files: [...new Set([...files, file])] };
}

function baseRefs(own: Layer, file: string): BaseRef[] {
  const value = own.data.extends;
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v === '')) {
    const at = locate(own.origins, '/extends', 'value');
    throw new ConfigError([
      { ...at, path: 'extends', message: `extends must be a file path or a list of file paths (relative to this file), got ${JSON.stringify(value)}` },
    ]);
  }
  return (list as string[]).map((raw, i) => ({
    raw,
    target: path.resolve(path.dirname(file), raw),
    at: locate(own.origins, typeof value === 'string' ? '/extends' : `/extends/${i}`, 'value'),
  }));
}

async function checkExists(ref: BaseRef): Promise<void> {
  try {
    if ((await stat(ref.target)).isFile()) return;
  } catch {
    // reported below
  }
  throw refError(ref, `extends '${ref.raw}': file not found (looked for ${displayPath(ref.target)}); paths are relative to the file that extends`);
}

function refError(ref: BaseRef, message: string): ConfigError {
  return new ConfigError([{ ...ref.at, path: 'extends', message }]);
}
