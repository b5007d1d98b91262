import { describe, expect, it } from 'vitest';
import { DataError } from '../../errors.js';
import { createRng } from '../../rng.js';
import { BLANK, digestSequences, selectSequences, synthesizeSequences, type SynthesisOptions } from './sequence-synth.js';

// 50 fake digits whose label is index mod 10; the pool is the even indices only.
const digitLabels = Uint8Array.from({ length: 50 }, (_, i) => i % 10);
const pool = Int32Array.from({ length: 25 }, (_, i) => 2 * i);
const opts = (o: Partial<SynthesisOptions> = {}): SynthesisOptions => ({
  digitLabels,
  pool,
  count: 3000,
  minLen: 1,
  maxLen: 3,
  rng: createRng(42, 'synth'),
  ...o,
});

describe('synthesizeSequences', () => {
  it('labels every position by its digit, blanks only after the length', () => {
    const s = synthesizeSequences(opts());
    expect(s.digitIndex.length).toBe(3000 * 3);
    for (let q = 0; q < s.count; q++) {
      const len = s.lengths[q];
      expect(len >= 1 && len <= 3).toBe(true);
      for (let i = 0; i < s.maxLen; i++) {
        const d = s.digitIndex[q * 3 + i];
        const l = s.labels[q * 3 + i];
        if (i < len) {
          expect(d % 2).toBe(0); // from the pool
          expect(l).toBe(digitLabels[d]);
        } else {
          expect(d).toBe(-1);
          expect(l).toBe(BLANK);
        }
      }
    }
  });

  it('draws lengths about uniformly over minLen..maxLen', () => {
    const s = synthesizeSequences(opts({ minLen: 2, maxLen: 4 }));
    const counts = [0, 0, 0, 0, 0];
    s.lengths.forEach((l) => counts[l]++);
    expect(counts[0] + counts[1]).toBe(0);
    for (const c of counts.slice(2)) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });

  it('is deterministic in the rng, and the digest follows', () => {
    const a = synthesizeSequences(opts());
    const b = synthesizeSequences(opts());
    const c = synthesizeSequences(opts({ rng: createRng(43, 'synth') }));
    expect(a.digitIndex).toEqual(b.digitIndex);
    expect(a.labels).toEqual(b.labels);
    expect(digestSequences(a)).toBe(digestSequences(b));
    expect(digestSequences(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(a.digitIndex).not.toEqual(c.digitIndex);
    expect(digestSequences(a)).not.toBe(digestSequences(c));
  });

  it('adds jitter within bounds without changing the digits drawn', () => {
    const plain = synthesizeSequences(opts());
    const j = synthesizeSequences(opts({ jitter: { x: 2, y: 1 } }));
    expect(j.digitIndex).toEqual(plain.digitIndex);
    expect(plain.offsets.every((v) => v === 0)).toBe(true);
    let moved = 0;
    for (let k = 0; k < j.count * j.maxLen; k++) {
      const [dx, dy] = [j.offsets[2 * k], j.offsets[2 * k + 1]];
      expect(Math.abs(dx) <= 2 && Math.abs(dy) <= 1).toBe(true);
      if (j.digitIndex[k] < 0) expect(dx === 0 && dy === 0).toBe(true);
      if (dx !== 0) moved++;
    }
    expect(moved).toBeGreaterThan(1000);
    expect(digestSequences(j)).not.toBe(digestSequences(plain));
  });

  it('selects rows in order', () => {
    const s = synthesizeSequences(opts({ count: 10 }));
    const sel = selectSequences(s, [7, 2]);
    expect(sel.count).toBe(2);
    expect([...sel.labels]).toEqual([...s.labels.subarray(21, 24), ...s.labels.subarray(6, 9)]);
    expect([...sel.lengths]).toEqual([s.lengths[7], s.lengths[2]]);
  });

  it('rejects bad lengths and an empty pool', () => {
    expect(() => synthesizeSequences(opts({ minLen: 3, maxLen: 2 }))).toThrow(DataError);
    expect(() => synthesizeSequences(opts({ pool: new Int32Array(0) }))).toThrow(/empty digit pool/);
  });
});
