import { describe, expect, it } from 'vitest';
import { checkArtifactPath } from './artifacts.js';
import { MlflowInvalidInputError } from './errors.js';

describe('checkArtifactPath', () => {
  it.each(['a.txt', 'plots/loss.png', 'model/group1-shard1of1.bin', 'notes/a b.txt', 'x/.hidden', 'x/..y', 'x/y..', 'héllo/ünï.txt', 'metrics:v1/x'])(
    'accepts %j unchanged',
    (p) => {
      expect(checkArtifactPath(p)).toBe(p);
    },
  );

  it.each([
    ['/etc/passwd', 'is absolute'],
    ['//server/share', 'is absolute'],
    ['C:/Windows/x', 'starts with a drive letter'],
    ['c:x', 'starts with a drive letter'],
    ['a\\b.txt', 'contains a backslash'],
    ['..\\..\\x', 'contains a backslash'],
    ['\\\\server\\share', 'contains a backslash'],
    ['..', "contains a '..' segment"],
    ['../escape.txt', "contains a '..' segment"],
    ['a/../../b', "contains a '..' segment"],
    ['a/..', "contains a '..' segment"],
    ['./a', "contains a '.' segment"],
    ['a/./b', "contains a '.' segment"],
    ['a//b', 'has an empty segment'],
    ['a/', 'has an empty segment'],
    ['a\u0000.txt', 'contains a control character'],
    ['a\nb', 'contains a control character'],
  ])('refuses %j: %s', (p, why) => {
    const call = () => checkArtifactPath(p, 'logText: artifactFile');
    expect(call).toThrow(MlflowInvalidInputError);
    expect(call).toThrow(`logText: artifactFile ${JSON.stringify(p)} ${why}`);
    expect(call).toThrow(/use a relative path of '\/'-separated names, e\.g\. "plots\/loss\.png"$/);
  });

  it('takes the root as empty only where the caller allows it', () => {
    expect(checkArtifactPath(undefined)).toBe('');
    expect(checkArtifactPath('')).toBe('');
    expect(() => checkArtifactPath('', 'logText: artifactFile', false)).toThrow('logText: artifactFile "" is empty: it must name a file');
  });
});
