import { describe, expect, it } from 'vitest';
import { askedTag, askedTrials, attemptOutcome, bestTrial, errorTag, mergeTrial, parseParams, SWEEP_TAGS, type AttemptRun } from './trial-record.js';
import type { TrialRecord } from './types.js';

const run = (o: Partial<AttemptRun> & Pick<AttemptRun, 'status'>): AttemptRun => ({ runId: `r-${o.status}`, tags: {}, intermediate: {}, ...o });
const pruned = { [SWEEP_TAGS.pruned]: 'epoch 2: asha' };
const killed = { [SWEEP_TAGS.killedBy]: 'SIGTERM' };

describe('attemptOutcome', () => {
  it.each<[string, AttemptRun, ReturnType<typeof attemptOutcome>]>([
    ['FINISHED is complete', run({ status: 'FINISHED' }), 'COMPLETE'],
    ['FINISHED with the pruned tag is pruned', run({ status: 'FINISHED', tags: pruned }), 'PRUNED'],
    ['KILLED with the pruned tag (killed while finishing) is still pruned', run({ status: 'KILLED', tags: pruned }), 'PRUNED'],
    ['FAILED is failed', run({ status: 'FAILED' }), 'FAILED'],
    ['RUNNING is open', run({ status: 'RUNNING' }), 'open'],
    ['KILLED (signal, lost worker) is interrupted, not an outcome', run({ status: 'KILLED', tags: killed }), 'interrupted'],
  ])('%s', (_why, r, expected) => expect(attemptOutcome(r)).toBe(expected));
});

describe('mergeTrial', () => {
  const asked = { params: { lr: 0.01 } };

  it('takes the finished attempt over a lost (KILLED) one, with its value and intermediates', () => {
    const t = mergeTrial(3, asked, [
      run({ runId: 'lost', status: 'KILLED', tags: killed, startTime: 1, intermediate: { 0: 0.5 } }),
      run({ runId: 'retry', status: 'FINISHED', startTime: 2, value: 0.8, intermediate: { 0: 0.6, 1: 0.8 } }),
    ]);
    expect(t).toEqual({ number: 3, params: { lr: 0.01 }, state: 'COMPLETE', value: 0.8, intermediate: { 0: 0.6, 1: 0.8 }, runId: 'retry' });
  });

  it('keeps a value only for complete trials', () => {
    const t = mergeTrial(0, asked, [run({ status: 'FINISHED', tags: pruned, value: 0.2 })]);
    expect(t.state).toBe('PRUNED');
    expect(t.value).toBeUndefined();
  });

  it('is RUNNING while asked but not started, or only interrupted (to be run again)', () => {
    expect(mergeTrial(1, asked, []).state).toBe('RUNNING');
    expect(mergeTrial(1, asked, [run({ status: 'KILLED', tags: killed })]).state).toBe('RUNNING');
  });

  it('is FAILED when the parent recorded an error and no attempt decided', () => {
    expect(mergeTrial(1, { ...asked, error: 'exit 2' }, []).state).toBe('FAILED');
    expect(mergeTrial(1, { ...asked, error: 'exit 2' }, [run({ status: 'RUNNING' })]).state).toBe('RUNNING');
  });

  it('reads params from the run when the parent has none (a run made by hand)', () => {
    expect(mergeTrial(5, undefined, [run({ status: 'FINISHED', tags: { [SWEEP_TAGS.trialParams]: '{"model.dropout":0.3}' } })]).params).toEqual({ 'model.dropout': 0.3 });
  });
});

describe('askedTrials / parseParams', () => {
  it('reads asked params and errors from the parent tags, ignoring other tags', () => {
    const tags = { [askedTag(0)]: '{"a":1}', [askedTag(12)]: '{"a":[16,32]}', [errorTag(12)]: 'bad', 'xp.sweep': 'true' };
    const asked = askedTrials(tags);
    expect([...asked.keys()].sort((a, b) => a - b)).toEqual([0, 12]);
    expect(asked.get(12)).toEqual({ params: { a: [16, 32] }, error: 'bad' });
    expect(asked.get(0)?.error).toBeUndefined();
  });

  it.each(['', 'not json', '[1,2]', 'null'])('gives {} for %j', (text) => expect(parseParams(text)).toEqual({}));
});

describe('bestTrial', () => {
  const t = (number: number, state: TrialRecord['state'], value?: number): TrialRecord => ({ number, state, value, params: {}, intermediate: {} });
  const trials = [t(0, 'COMPLETE', 0.5), t(1, 'PRUNED'), t(2, 'COMPLETE', 0.9), t(3, 'COMPLETE', NaN), t(4, 'COMPLETE', 0.9), t(5, 'RUNNING')];

  it('picks the largest for maximize, the earlier on ties, skipping NaN and unfinished trials', () => expect(bestTrial(trials, 'maximize')?.number).toBe(2));
  it('picks the smallest for minimize', () => expect(bestTrial(trials, 'minimize')?.number).toBe(0));
  it('is undefined without a complete trial', () => expect(bestTrial([t(0, 'FAILED'), t(1, 'PRUNED')], 'maximize')).toBeUndefined());
});
