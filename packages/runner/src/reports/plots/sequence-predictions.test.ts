import { describe, expect, it } from 'vitest';
import { confusionMatrices, isExact, misclassifiedIndices, sequenceCount, sequenceLength, sequenceText } from './sequence-predictions.js';

const B = 10;
// Four sequences of maxLen 3: right; last digit dropped; 4 read as 9; right (length 1).
const p = {
  maxLen: 3,
  labels: Int32Array.from([1, 2, 3, 4, 5, B, 4, B, B, 7, B, B]),
  preds: Int32Array.from([1, 2, 3, 4, B, B, 9, B, B, 7, B, B]),
};

describe('sequence predictions', () => {
  it('finds exactly the wrong sequences, in order, up to a limit', () => {
    expect([0, 1, 2, 3].map((s) => isExact(p, s))).toEqual([true, false, false, true]);
    expect(misclassifiedIndices(p)).toEqual([1, 2]);
    expect(misclassifiedIndices(p, 1)).toEqual([1]);
  });

  it('derives lengths from non-blank classes and writes sequences as text', () => {
    expect([0, 1, 2, 3].map((s) => sequenceLength(p.labels, 3, s))).toEqual([3, 2, 1, 1]);
    expect(sequenceText(p.labels, 3, 1)).toBe('45');
    expect(sequenceText(p.preds, 3, 1)).toBe('4');
    expect(sequenceText(Int32Array.from([B, 3, B]), 3, 0)).toBe('_3');
    expect(sequenceText(Int32Array.from([B, B, B]), 3, 0)).toBe('∅');
  });

  it('counts confusions per position as m[true][pred]', () => {
    const m = confusionMatrices(p);
    expect(m).toHaveLength(3);
    // position 0: 1→1, 4→4, 4→9, 7→7
    expect(m[0][1][1]).toBe(1);
    expect(m[0][4][4]).toBe(1);
    expect(m[0][4][9]).toBe(1);
    expect(m[0][7][7]).toBe(1);
    // position 1: 2→2, 5→blank, blank→blank twice
    expect(m[1][2][2]).toBe(1);
    expect(m[1][5][B]).toBe(1);
    expect(m[1][B][B]).toBe(2);
    // position 2: 3→3 and three blanks
    expect(m[2][3][3]).toBe(1);
    expect(m[2][B][B]).toBe(3);
    for (const mat of m) expect(mat.flat().reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('rejects arrays that disagree', () => {
    expect(() => sequenceCount({ maxLen: 3, labels: new Int32Array(6), preds: new Int32Array(3) })).toThrow(/inconsistent predictions/);
  });
});
