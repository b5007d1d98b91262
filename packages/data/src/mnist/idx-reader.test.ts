import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { DataError } from '../errors.js';
import { parseIdx, readIdxFile } from './idx-reader.js';
import { MNIST_FILES, mnistPackageDataDir } from './mnist-source.js';

function idx(dims: number[], data: number[], dtype = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, dtype, dims.length]);
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...head, ...data]);
}

describe('parseIdx', () => {
  it('reads dims (big-endian) and data', () => {
    const r = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), 'x');
    expect(r.shape).toEqual([2, 3]);
    expect([...r.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each([
    ['bad magic', new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]), /bad magic number 0x01020801/],
    ['gzip', new Uint8Array([0x1f, 0x8b, 8, 0]), /gzip-compressed/],
    ['short header', new Uint8Array([0, 0, 8, 2, 0, 0]), /truncated header/],
    ['truncated data', idx([4], [1, 2]), /truncated: shape \[4\] needs 4 data bytes, found 2/],
    ['trailing bytes', idx([1], [1, 2]), /1 unexpected bytes/],
    ['non-byte dtype', idx([1], [0, 0, 0, 0], 0x0d), /dtype 0x0d \(float32\)/],
  ])('rejects %s, naming the file', (_, buf, msg) => {
    const err = (() => {
      try {
        parseIdx(buf, 'some/file-idx');
      } catch (e) {
        return e as DataError;
      }
    })();
    expect(err).toBeInstanceOf(DataError);
    expect(err?.code).toBe('XP_IDX_INVALID');
    expect(err?.message).toMatch(/^some\/file-idx: not a valid IDX file/);
    expect(err?.message).toMatch(msg);
  });

  it('reads the real MNIST files', async () => {
    const dir = mnistPackageDataDir();
    const [trI, trL, teI, teL] = await Promise.all(
      [MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels].map((f) => readIdxFile(path.join(dir, f))),
    );
    expect(trI.shape).toEqual([60000, 28, 28]);
    expect(trL.shape).toEqual([60000]);
    expect(teI.shape).toEqual([10000, 28, 28]);
    expect(teL.shape).toEqual([10000]);
    for (const labels of [trL.data, teL.data]) {
      const counts = new Array(10).fill(0);
      labels.forEach((l) => counts[l]++);
      expect(Math.max(...labels)).toBe(9);
      expect(Math.min(...counts)).toBeGreaterThan(labels.length / 20);
    }
  });
});
