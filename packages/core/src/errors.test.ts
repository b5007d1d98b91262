import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, XpError } from './errors.js';

describe('ConfigError', () => {
  it('has a stable code and keeps every issue', () => {
    const e = new ConfigError([
      { file: '/repo/exp.yaml', line: 3, col: 5, path: 'training.epochs', message: 'bad' },
      { file: '/repo/exp.yaml', path: '', message: 'worse' },
    ]);
    expect(e).toBeInstanceOf(XpError);
    expect(e.code).toBe('XP_CONFIG_INVALID');
    expect(e.name).toBe('ConfigError');
    expect(e.issues).toHaveLength(2);
    expect(e.message).toContain('2 problems');
  });

  it('formats file:line:col, file only, and path only', () => {
    const e = new ConfigError([
      { file: '/repo/exp.yaml', line: 3, col: 5, path: 'training.epochs', message: 'a' },
      { file: '/repo/exp.yaml', path: '', message: 'b' },
      { path: 'data.min_len', message: 'c' },
      { file: '--set x=1', path: 'x', message: 'd' },
    ]);
    expect(e.format('/repo').split('\n')).toEqual(['exp.yaml:3:5: a', 'exp.yaml: b', 'data.min_len: c', '--set x=1: d']);
  });

  it('keeps paths outside the working directory absolute', () => {
    const file = path.resolve('/elsewhere/exp.yaml');
    expect(formatIssue({ file, line: 1, col: 1, path: '', message: 'm' }, '/repo')).toBe(`${file}:1:1: m`);
  });
});
