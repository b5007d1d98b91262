// Reads a PNG's header, so tests (and callers that lay images out) can check a file without decoding it.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when `buf` starts with the 8-byte PNG signature. */
export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && Buffer.from(buf.subarray(0, 8)).equals(SIGNATURE);
}

/** Width and height from a PNG's IHDR chunk (always the first chunk); throws when `buf` is not a PNG. */
export function pngSize(buf: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!isPng(b) || b.length < 24 || b.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error(`not a PNG (${b.length} bytes, starting ${b.subarray(0, 8).toString('hex')})`);
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
