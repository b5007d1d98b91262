// Shared by the queue executor (coordinator side) and workers: where the queue is, and job identity.
import { XpError } from '@xp/core';
import type { TrialSpec } from './trial-spec.js';

/** The queue name when the URL names none. */
export const DEFAULT_QUEUE_NAME = 'xp-trials';

/** A parsed `--queue` URL. */
export interface QueueTarget {
  /** BullMQ connection (ioredis options); `maxRetriesPerRequest: null` as BullMQ workers require. */
  connection: { host: string; port: number; db: number; username?: string; password?: string; tls?: object; maxRetriesPerRequest: null };
  queueName: string;
  /** The URL without credentials, for messages. */
  display: string;
}

/**
 * Parses `redis[s]://[user:password@]host[:port][/db][?queue=name]`. The queue name lets several sweeps
 * (or tests) share one Redis without sharing workers.
 *
 * @example parseQueueUrl('redis://10.0.0.5:6379/0?queue=gpu-box') // { connection: { host: '10.0.0.5', port: 6379, db: 0, … }, queueName: 'gpu-box', … }
 */
export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new XpError('XP_QUEUE_URL', `--queue ${url}: not a URL; expected redis://host:6379 (optionally /db and ?queue=name)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new XpError('XP_QUEUE_URL', `--queue ${url}: the scheme is ${u.protocol.replace(/:$/, '')}, expected redis or rediss`);
  }
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new XpError('XP_QUEUE_URL', `--queue ${url}: the database '${dbText}' is not a number`);
  const queueName = u.searchParams.get('queue') || DEFAULT_QUEUE_NAME;
  if (queueName.includes(':')) throw new XpError('XP_QUEUE_URL', `--queue ${url}: queue name '${queueName}' must not contain ':'`);
  const connection: QueueTarget['connection'] = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), db, maxRetriesPerRequest: null };
  if (u.username) connection.username = decodeURIComponent(u.username);
  if (u.password) connection.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') connection.tls = {};
  return { connection, queueName, display: `${u.protocol}//${connection.host}:${connection.port}/${db} queue ${queueName}` };
}

/**
 * One job per trial of a sweep: re-adding a trial whose job is still queued or running (a resumed coordinator)
 * finds that job instead of running the trial twice. (BullMQ ids must not contain ':'.)
 */
export const trialJobId = (spec: Pick<TrialSpec, 'sweepId' | 'trialNumber'>) => `${spec.sweepId}-trial-${spec.trialNumber}`;

/** Job name of trials. */
export const TRIAL_JOB = 'trial';
