import { describe, expect, it } from 'vitest';
import { closestName, suggestion } from './suggest.js';

describe('closestName', () => {
  it.each([
    ['epocs', ['epochs', 'batch_size'], 'epochs'],
    ['trainng', ['training', 'data', 'model'], 'training'],
    ['Adam', ['adam', 'sgd'], 'adam'],
    ['gpu', ['tensorflow', 'cpu'], undefined],
    ['resnet', ['baseline-cnn', 'multihead-cnn'], undefined],
    ['x', [], undefined],
  ])('%s → %s', (name, candidates, expected) => {
    expect(closestName(name, candidates)).toBe(expected);
  });
});

describe('suggestion', () => {
  it('suggests the close name or lists them all', () => {
    expect(suggestion('epocs', ['epochs'])).toBe("; did you mean 'epochs'?");
    expect(suggestion('zzz', ['a', 'b'])).toBe('; allowed keys: a, b');
    expect(suggestion('zzz', [])).toBe('');
  });
});
