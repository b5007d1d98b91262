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

/** Decodes UTF-8 strictly (a leading BOM is dropped), throwing a ConfigError at the first invalid byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    const at = firstInvalidUtf8(bytes);
    const where = at === undefined ? {} : position(bytes, at);
    const what = at === undefined ? '' : `: byte 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')} here is not part of a UTF-8 character`;
    throw new ConfigError(
      [{ file, ...where, path: '', message: `file is not valid UTF-8 text${what} (the file may be Latin-1 or UTF-16); re-save it with UTF-8 encoding` }],
      { cause },
    );
  }
}

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF). Only used to point at the problem; TextDecoder decides validity.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  const inRange = (i: number, lo = 0x80, hi = 0xbf) => i < bytes.length && bytes[i] >= lo && bytes[i] <= hi;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // Allowed range of the second byte for each lead byte; the later continuation bytes are always 80–BF.
    let n: number;
    let second: [number, number];
    if (b >= 0xc2 && b <= 0xdf) [n, second] = [1, [0x80, 0xbf]];
    else if (b >= 0xe0 && b <= 0xef) [n, second] = [2, b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : [0x80, 0xbf]];
    else if (b >= 0xf0 && b <= 0xf4) [n, second] = [3, b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf]];
    else return i;
    if (!inRange(i + 1, ...second)) return i;
    for (let k = 2; k <= n; k++) if (!inRange(i + k)) return i;
    i += n + 1;
  }
  return undefined;
}

// 1-based line and column of a byte offset; the column counts characters, as the YAML positions do.
function position(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line += 1;
      start = i + 1;
    }
  }
  return { line, col: new TextDecoder('utf-8').decode(bytes.subarray(start, offset)).length + 1 };
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
