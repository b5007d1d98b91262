// Reading an experiment file. Both checks run before YAML parsing: a config is a few kilobytes, so a huge
// file is a mistake (a dataset passed by accident), and mis-decoded bytes would only show up later as
// baffling values.
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/** Largest experiment file accepted, in bytes (1 MiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Throws a ConfigError when `bytes` bytes is over the size limit. */
export function checkSize(bytes: number, file: string): void {
  if (bytes > MAX_CONFIG_BYTES) {
    throw new ConfigError([
      {
        file,
        path: '',
        message: `file is too large (${bytes} bytes; the limit is ${MAX_CONFIG_BYTES}): an experiment file is a few kilobytes of YAML, check that the right file was passed`,
      },
    ]);
  }
}

/** Decodes UTF-8 strictly (a leading BOM is dropped), throwing a ConfigError on any invalid byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new ConfigError(
      [{ file, path: '', message: 'file is not valid UTF-8 text (it may be Latin-1 or UTF-16); re-save it with UTF-8 encoding' }],
      { cause },
    );
  }
}

/** Reads an experiment file as text, refusing files that are missing, too large or not UTF-8. */
export async function readSource(file: string): Promise<string> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new ConfigError([{ file, path: '', message: 'is a directory; pass the path of a .yaml experiment file' }]);
    checkSize(info.size, file);
    const bytes = await readFile(file);
    checkSize(bytes.byteLength, file);
    return decodeUtf8(bytes, file);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found; check the path' : `cannot read the file (${(e as Error).message})`;
    throw new ConfigError([{ file, path: '', message: why }], { cause: e });
  }
}
