import { describe, expect, it } from 'vitest';
import { testReport } from './test-report.js';

const B = 10;

describe('testReport', () => {
  it('computes exact match, length and position accuracy, and exact match per true length', () => {
    const r = testReport({
      count: 4,
      metrics: { test_loss: 0.5, test_exact_match: 0.5 },
      predictions: {
        maxLen: 3,
        labels: Int32Array.from([1, 2, 3, 4, 5, B, 4, B, B, 7, B, B]),
        preds: Int32Array.from([1, 2, 3, 4, B, B, 9, B, B, 7, B, B]),
      },
    });
    expect(r).toEqual({
      count: 4,
      exact_match: 0.5,
      length_acc: 0.75, // only the dropped digit changes the length; 4→9 keeps it
      digit_acc: 10 / 12,
      per_position_acc: { pos0: 0.75, pos1: 0.75, pos2: 1 },
      per_length: { '1': { count: 2, exact_match: 0.5 }, '2': { count: 1, exact_match: 0 }, '3': { count: 1, exact_match: 1 } },
      metrics: { test_loss: 0.5, test_exact_match: 0.5 },
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('reports null exact match for a length with no sequences', () => {
    const r = testReport({ count: 1, metrics: {}, predictions: { maxLen: 2, labels: Int32Array.from([3, B]), preds: Int32Array.from([3, B]) } });
    expect(r.per_length).toEqual({ '1': { count: 1, exact_match: 1 }, '2': { count: 0, exact_match: null } });
  });

  it('says how to get predictions when there are none', () => {
    expect(() => testReport({ count: 1, metrics: {} })).toThrow(/keepPredictions: true/);
  });
});
