import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher.js';

/** A fake model: doubles numbers, records each call's size, fails on negatives. */
function fakeRun(delayMs = 0) {
  const calls: number[][] = [];
  const run = async (items: number[]) => {
    calls.push([...items]);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (items.some((x) => x < 0)) throw new Error(`negative input ${items.find((x) => x < 0)}`);
    return items.map((x) => x * 2);
  };
  return { calls, run };
}

describe('MicroBatcher', () => {
  it('merges requests that arrive within the wait into one call and splits the answers back', async () => {
    const { calls, run } = fakeRun();
    const b = new MicroBatcher(run, { maxBatch: 10, maxWaitMs: 30 });
    const told: number[] = [];
    const answers = await Promise.all([b.submit([1, 2], (n) => told.push(n)), b.submit([3]), b.submit([4, 5, 6], (n) => told.push(n))]);
    expect(answers).toEqual([[2, 4], [6], [8, 10, 12]]);
    expect(told).toEqual([6, 6]);
    expect(calls).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(b.stats).toEqual({ calls: 1, rows: 6, largest: 6 });
  });

  it('starts a batch as soon as maxBatch rows wait, without waiting out the timer', async () => {
    const { calls, run } = fakeRun();
    const b = new MicroBatcher(run, { maxBatch: 3, maxWaitMs: 10_000 });
    const t0 = Date.now();
    const answers = await Promise.all([b.submit([1]), b.submit([2]), b.submit([3])]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(answers).toEqual([[2], [4], [6]]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('never splits a request and never lets a batch pass maxBatch, except one big request alone', async () => {
    const { calls, run } = fakeRun();
    const b = new MicroBatcher(run, { maxBatch: 4, maxWaitMs: 20 });
    const answers = await Promise.all([b.submit([1, 2, 3]), b.submit([4, 5]), b.submit([6, 7, 8, 9, 10, 11]), b.submit([12])]);
    expect(answers.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((x) => x * 2));
    // [1,2,3] starts once 5 rows wait ([4,5] would make it 5 > 4); [6..11] is bigger than maxBatch and runs alone.
    expect(calls).toEqual([[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11], [12]]);
  });

  it('with maxBatch 1 scores each request in its own call', async () => {
    const { calls, run } = fakeRun();
    const b = new MicroBatcher(run, { maxBatch: 1, maxWaitMs: 0 });
    await Promise.all([b.submit([1]), b.submit([2]), b.submit([3])]);
    expect(calls).toEqual([[1], [2], [3]]);
  });

  it('with maxWaitMs 0 still merges requests that arrived in the same turn of the event loop', async () => {
    const { calls, run } = fakeRun();
    const b = new MicroBatcher(run, { maxBatch: 8, maxWaitMs: 0 });
    await Promise.all([b.submit([1]), b.submit([2]), b.submit([3])]);
    await new Promise((r) => setTimeout(r, 5));
    await b.submit([4]);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('queues requests that come while a batch runs into the next batch', async () => {
    const { calls, run } = fakeRun(40);
    const b = new MicroBatcher(run, { maxBatch: 8, maxWaitMs: 0 });
    const first = b.submit([1]);
    await new Promise((r) => setTimeout(r, 5));
    const rest = [b.submit([2]), b.submit([3]), b.submit([4])];
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('a bad request in a merged batch fails alone; the others are answered', async () => {
    const { run } = fakeRun();
    const b = new MicroBatcher(run, { maxBatch: 10, maxWaitMs: 20 });
    const results = await Promise.allSettled([b.submit([1]), b.submit([-1, 2]), b.submit([3])]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: [2] });
    expect(results[1].status).toBe('rejected');
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/negative input -1/);
    expect(results[2]).toEqual({ status: 'fulfilled', value: [6] });
    // and it keeps serving
    await expect(b.submit([5])).resolves.toEqual([10]);
  });

  it('rejects when the model answers a different number of results', async () => {
    const b = new MicroBatcher(async (xs: number[]) => xs.slice(1), { maxBatch: 4, maxWaitMs: 0 });
    await expect(b.submit([1, 2])).rejects.toThrow(/returned 1 results for 2 inputs/);
  });

  it('drained() waits for queued and running work', async () => {
    const { run } = fakeRun(30);
    const b = new MicroBatcher(run, { maxBatch: 2, maxWaitMs: 5 });
    let answered = 0;
    for (let i = 0; i < 5; i++) void b.submit([i]).then(() => answered++);
    await b.drained();
    expect(answered).toBe(5);
  });
});
