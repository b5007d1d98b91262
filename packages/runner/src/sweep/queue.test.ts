import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_NAME, parseQueueUrl, trialJobId } from './queue.js';

describe('parseQueueUrl', () => {
  it('reads host, port, database and queue name', () => {
    const t = parseQueueUrl('redis://10.0.0.5:6380/2?queue=gpu-box');
    expect(t.connection).toEqual({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(t.queueName).toBe('gpu-box');
  });

  it('defaults port 6379, database 0 and the queue name', () => {
    const t = parseQueueUrl('redis://127.0.0.1');
    expect(t.connection).toMatchObject({ port: 6379, db: 0 });
    expect(t.queueName).toBe(DEFAULT_QUEUE_NAME);
  });

  it('takes credentials and TLS, and keeps them out of the display text', () => {
    const t = parseQueueUrl('rediss://me:s%40cret@redis.example:6390');
    expect(t.connection).toMatchObject({ username: 'me', password: 's@cret', tls: {} });
    expect(t.display).not.toContain('s@cret');
  });

  it.each([
    ['not a url', /not a URL/],
    ['http://127.0.0.1:6379', /scheme is http, expected redis/],
    ['redis://127.0.0.1:6379/x', /database 'x' is not a number/],
    ['redis://127.0.0.1:6379?queue=a:b', /must not contain ':'/],
  ])('rejects %s', (url, message) => expect(() => parseQueueUrl(url)).toThrow(message));
});

describe('trialJobId', () => {
  it('is one id per trial of a sweep, without colons', () => {
    expect(trialJobId({ sweepId: 'abc', trialNumber: 3 })).toBe('abc-trial-3');
  });
});
