import { describe, expect, it } from 'vitest';
import { marksFromTags, processStartedAt, timingTags } from './timing.js';

describe('timing tags', () => {
  it('writes set marks as xp.timing.* integer tags and reads them back', () => {
    const tags = timingTags({ enqueued: 1000.4, picked: 1001, training_started: undefined });
    expect(tags).toEqual({ 'xp.timing.enqueued': '1000', 'xp.timing.picked': '1001' });
    expect(marksFromTags({ ...tags, 'xp.model': 'baseline-cnn', 'xp.timing.bad': 'soon' })).toEqual({ enqueued: 1000, picked: 1001 });
  });

  it("dates the process's start before now", () => {
    const t = processStartedAt();
    expect(Number.isInteger(t)).toBe(true);
    expect(t).toBeLessThanOrEqual(Date.now());
    expect(t).toBeGreaterThan(Date.now() - 3_600_000);
  });
});
