// The IDX format (LeCun's MNIST files): two zero bytes, a dtype byte, a dimension count, then one big-endian
// uint32 per dimension and the raw values. Only unsigned bytes are supported: that is all MNIST uses.
import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';

/** A parsed IDX file: its dimensions and a view of its bytes (not a copy). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;
const DTYPE_NAMES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/**
 * Parses an IDX buffer; `name` (usually the file path) only labels errors.
 *
 * @example parseIdx(await readFile('train-labels-idx1-ubyte'), 'train-labels-idx1-ubyte').shape // [60000]
 */
export function parseIdx(buf: Uint8Array, name: string): IdxArray {
  const fail = (why: string) => new DataError('XP_IDX_INVALID', `${name}: not a valid IDX file: ${why}`);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) throw fail('it is gzip-compressed; gunzip it first');
  if (buf.length < 4) throw fail(`only ${buf.length} bytes, the header alone needs 4`);
  if (buf[0] !== 0 || buf[1] !== 0) throw fail(`bad magic number 0x${hex(buf.subarray(0, 4))} (expected 0x0000 followed by dtype and rank)`);
  const dtype = buf[2];
  if (dtype !== UBYTE) {
    throw fail(`dtype 0x${dtype.toString(16).padStart(2, '0')} (${DTYPE_NAMES[dtype] ?? 'unknown'}); only unsigned bytes (0x08) are supported`);
  }
  const rank = buf[3];
  const headerLen = 4 + 4 * rank;
  if (buf.length < headerLen) throw fail(`truncated header: rank ${rank} needs ${headerLen} bytes, got ${buf.length}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  const have = buf.length - headerLen;
  if (have < size) throw fail(`truncated: shape [${shape.join(', ')}] needs ${size} data bytes, found ${have}`);
  if (have > size) throw fail(`${have - size} unexpected bytes after the ${size} data bytes of shape [${shape.join(', ')}]`);
  return { shape, data: buf.subarray(headerLen) };
}

/** Reads and parses an IDX file from disk. */
export async function readIdxFile(file: string): Promise<IdxArray> {
  return parseIdx(await readFile(file), file);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
