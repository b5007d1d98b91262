import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from './journal.js';

describe('Journal', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-journal-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('appends entries with increasing seq and reads them back after reopening', () => {
    const j = Journal.create(root, 'a', 'http://mlflow:5000');
    const e1 = j.append({ op: 'log_batch', params: { lr: '0.1' } });
    const e2 = j.append({ op: 'update_run', status: 'FINISHED', endTime: 5 });
    expect([e1.seq, e2.seq]).toEqual([1, 2]);
    const again = Journal.open(path.join(root, 'a'));
    expect(again.header).toMatchObject({ spoolId: 'a', trackingUri: 'http://mlflow:5000' });
    expect(again.entries()).toEqual([e1, e2]);
    expect(again.append({ op: 'log_text', text: 'x', artifactFile: 'x.txt' }).seq).toBe(3);
  });

  it('pending() is what the cursor has not acknowledged; the cursor survives reopening', () => {
    const j = Journal.create(root, 'b', null);
    for (let i = 0; i < 3; i++) j.append({ op: 'log_batch', metrics: [{ key: 'loss', value: i, step: i, timestamp: 1 }] });
    j.saveCursor({ acked: 2, runId: 'r1', experimentId: '7' });
    const again = Journal.open(path.join(root, 'b'));
    expect(again.pending().map((e) => e.seq)).toEqual([3]);
    expect(again.cursor()).toEqual({ acked: 2, runId: 'r1', experimentId: '7' });
  });

  it('a resumed run starts attached to its MLflow run', () => {
    const j = Journal.create(root, 'c', null, { runId: 'r9', experimentId: '3' });
    expect(j.cursor()).toEqual({ acked: 0, runId: 'r9', experimentId: '3' });
  });

  it('a torn last line (xp killed mid-write) ends the journal there instead of failing', () => {
    const j = Journal.create(root, 'd', null);
    j.append({ op: 'log_batch', params: { a: '1' } });
    fs.appendFileSync(path.join(j.dir, 'journal.jsonl'), '{"op":"log_batch","par');
    expect(Journal.open(j.dir).entries()).toHaveLength(1);
  });

  it('liveOwner() sees a running writer and ignores the pid file of a dead one', () => {
    const j = Journal.create(root, 'e', null);
    expect(j.liveOwner()).toBeUndefined();
    j.claim();
    expect(j.liveOwner()).toBe(process.pid);
    // Pid 2^22+1 is above Linux's pid_max, so no process can have it.
    j.claim(4_194_305);
    expect(j.liveOwner()).toBeUndefined();
    j.release();
    expect(j.liveOwner()).toBeUndefined();
  });
});
