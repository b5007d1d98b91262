import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logs } from './callback.js';
import { CsvLogger } from './csv-logger.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xp-csv-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(cb: CsvLogger, epochs: Logs[]): Promise<string> {
  await cb.onTrainBegin();
  for (const [epoch, logs] of epochs.entries()) await cb.onEpochEnd(epoch, logs);
  return readFile(cb.path, 'utf8');
}

describe('CsvLogger', () => {
  it.each<{ why: string; epochs: Logs[]; csv: string }>([
    { why: 'writes a header and one row per epoch', epochs: [{ loss: 1, acc: 0.5 }, { loss: 0.5, acc: 0.75 }], csv: 'epoch,loss,acc\n0,1,0.5\n1,0.5,0.75\n' },
    { why: 'widens the header when a key appears later', epochs: [{ loss: 1 }, { loss: 0.5, val_loss: 0.6 }, { loss: 0.4, val_loss: 0.5 }], csv: 'epoch,loss,val_loss\n0,1,\n1,0.5,0.6\n2,0.4,0.5\n' },
    { why: 'leaves a blank for a key an epoch lacks', epochs: [{ loss: 1, lr: 0.1 }, { loss: 0.5 }], csv: 'epoch,loss,lr\n0,1,0.1\n1,0.5,\n' },
    { why: 'writes NaN as NaN and quotes awkward keys', epochs: [{ loss: NaN, 'a,b': 1, 'q"': 2 }], csv: 'epoch,loss,"a,b","q"""\n0,NaN,1,2\n' },
  ])('$why', async ({ epochs, csv }) => {
    expect(await run(new CsvLogger(join(dir, 'metrics.csv')), epochs)).toBe(csv);
  });

  it('creates a missing folder', async () => {
    expect(await run(new CsvLogger(join(dir, 'a', 'b', 'm.csv')), [{ loss: 1 }])).toBe('epoch,loss\n0,1\n');
  });

  it('starts afresh in onTrainBegin', async () => {
    const cb = new CsvLogger(join(dir, 'metrics.csv'));
    await run(cb, [{ loss: 1, val_loss: 2 }]);
    expect(await run(cb, [{ loss: 3 }])).toBe('epoch,loss\n0,3\n');
    expect(cb.columns).toEqual(['loss']);
  });
});
