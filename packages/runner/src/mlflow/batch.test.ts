import { describe, expect, it } from 'vitest';
import { chunkBatch, prepareBatch, sanitizeKey, type MlflowBatch } from './batch.js';
import { MlflowInvalidInputError } from './errors.js';
import { MLFLOW_LIMITS, codePointLength } from './limits.js';

function metrics(n: number) {
  return Array.from({ length: n }, (_, i) => ({ key: `m${i % 7}`, value: i / 3, step: i }));
}
function params(n: number) {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));
}
function assertWithinLimits(chunks: MlflowBatch[]) {
  for (const c of chunks) {
    expect(c.metrics.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxMetricsPerBatch);
    expect(c.params.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxParamsPerBatch);
    expect(c.tags.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxTagsPerBatch);
    expect(c.metrics.length + c.params.length + c.tags.length).toBeLessThanOrEqual(MLFLOW_LIMITS.maxEntitiesPerBatch);
    expect(Buffer.byteLength(JSON.stringify({ run_id: 'f'.repeat(32), ...c }))).toBeLessThanOrEqual(MLFLOW_LIMITS.maxBatchRequestBytes);
  }
}

describe('sanitizeKey', () => {
  it.each([
    ['val/acc', 'val/acc'],
    ['acc@top-1', 'acc_top-1'],
    ['a:b c.d-e_f', 'a:b c.d-e_f'],
    ['/lead//double/', 'lead/double'],
    ['a/./b', 'a/b'],
    ['a/../b', 'a/__/b'],
    ['..hidden', '_.hidden'],
    ['größe', 'größe'],
    ['loss[0]', 'loss_0_'],
  ])('%j -> %j', (input, expected) => {
    expect(sanitizeKey(input)).toBe(expected);
  });
});

describe('prepareBatch', () => {
  it('fills step and timestamp and converts param values to strings', () => {
    const b = prepareBatch({ metrics: [{ key: 'loss', value: NaN }], params: { lr: 0.001, aug: true } }, { now: 1234 });
    expect(b.metrics).toEqual([{ key: 'loss', value: NaN, step: 0, timestamp: 1234 }]);
    expect(b.params).toEqual([{ key: 'lr', value: '0.001' }, { key: 'aug', value: 'true' }]);
  });

  it('rejects an over-long param value, naming the key, the length and the limit', () => {
    const run = () => prepareBatch({ params: { notes: 'x'.repeat(6001) } });
    expect(run).toThrow(MlflowInvalidInputError);
    expect(run).toThrow(/param 'notes' value is 6001 characters, over MLflow's limit of 6000 \(MAX_PARAM_VAL_LENGTH\)/);
  });

  it('accepts a tag value of exactly 8000 characters and rejects 8001', () => {
    expect(() => prepareBatch({ tags: { t: 'y'.repeat(8000) } })).not.toThrow();
    expect(() => prepareBatch({ tags: { t: 'y'.repeat(8001) } })).toThrow(/over MLflow's limit of 8000/);
  });

  it('counts code points, as MLflow does, not UTF-16 units', () => {
    expect(codePointLength('😀'.repeat(3))).toBe(3);
    expect(() => prepareBatch({ params: { e: '😀'.repeat(6000) } })).not.toThrow();
  });

  it('rejects keys over 250 characters and non-numeric metrics', () => {
    expect(() => prepareBatch({ params: { ['k'.repeat(251)]: 1 } })).toThrow(/over MLflow's limit of 250/);
    expect(() => prepareBatch({ metrics: [{ key: 'a', value: '1' as unknown as number }] })).toThrow(/must be a number, got string/);
    expect(() => prepareBatch({ metrics: [{ key: 'a', value: 1, step: 1.5 }] })).toThrow(/step must be an integer/);
  });

  it('merges duplicate params with equal values and rejects conflicting ones (also after sanitising)', () => {
    expect(prepareBatch({ params: [{ key: 'a', value: 1 }, { key: 'a', value: '1' }] }).params).toEqual([{ key: 'a', value: '1' }]);
    expect(() => prepareBatch({ params: { 'a@b': 1, 'a#b': 2 } })).toThrow(/param 'a_b' is given twice with different values/);
  });

  it('keeps the last value of a repeated tag', () => {
    expect(prepareBatch({ tags: [{ key: 't', value: 'old' }, { key: 't', value: 'new' }] }).tags).toEqual([{ key: 't', value: 'new' }]);
  });
});

describe('chunkBatch', () => {
  it('splits 2500 metrics + 250 params into 3 requests within every limit', () => {
    const chunks = chunkBatch(prepareBatch({ metrics: metrics(2500), params: params(250) }));
    expect(chunks).toHaveLength(3);
    assertWithinLimits(chunks);
    expect(chunks.map((c) => [c.params.length, c.metrics.length])).toEqual([[100, 900], [100, 900], [50, 700]]);
    expect(chunks.flatMap((c) => c.metrics).map((m) => m.step)).toEqual(metrics(2500).map((m) => m.step));
  });

  it('keeps a small batch in one request and an empty one in none', () => {
    expect(chunkBatch(prepareBatch({ metrics: metrics(10), params: params(3), tags: { a: 'b' } }))).toHaveLength(1);
    expect(chunkBatch(prepareBatch({}))).toHaveLength(0);
  });

  it('also splits by request size: 100 maximal params + 100 maximal tags exceed 1 MB', () => {
    const big = prepareBatch({
      params: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 'v'.repeat(6000)])),
      tags: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, 't'.repeat(8000)])),
    });
    const chunks = chunkBatch(big);
    expect(chunks.length).toBe(2);
    assertWithinLimits(chunks);
    expect(chunks.reduce((n, c) => n + c.params.length + c.tags.length, 0)).toBe(200);
  });

  it('honours tighter limits passed in', () => {
    const limits = { ...MLFLOW_LIMITS, maxMetricsPerBatch: 10, maxEntitiesPerBatch: 10 };
    const chunks = chunkBatch(prepareBatch({ metrics: metrics(25) }), limits);
    expect(chunks.map((c) => c.metrics.length)).toEqual([10, 10, 5]);
  });
});
