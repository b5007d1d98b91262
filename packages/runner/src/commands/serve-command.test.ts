import { describe, expect, it } from 'vitest';
import { serveCommand } from './serve-command.js';

describe('xp serve options', () => {
  it.each([
    [{ port: 70000 }, /--port must be at most 65535, got 70000/],
    [{ port: -1 }, /--port must be a whole number ≥ 0, got -1/],
    [{ maxBatch: 0 }, /--max-batch must be a whole number ≥ 1, got 0/],
    [{ maxWaitMs: 1.5 }, /--max-wait-ms must be a whole number ≥ 0, got 1.5/],
    [{ maxRows: Number.NaN }, /--max-rows must be a whole number ≥ 1, got NaN/],
    [{ topK: 0 }, /--top-k must be a whole number ≥ 1, got 0/],
  ])('refuses %o before loading anything', async (opts, message) => {
    const err = await serveCommand('/nonexistent/model', { ...opts, log: () => {} }).catch((e) => e);
    expect(err).toMatchObject({ code: 'XP_CONFIG_OPTION' });
    expect((err as Error).message).toMatch(message);
  });

  it('names the model folder that is not one (a user error, before listening)', async () => {
    const err = await serveCommand('/nonexistent/model', { port: 0, log: () => {} }).catch((e) => e);
    expect((err as Error).message).toMatch(/\/nonexistent\/model/);
  });
});
