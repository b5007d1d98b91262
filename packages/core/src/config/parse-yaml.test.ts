import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { loadExperiment } from '../testing/registries.testing.js';
import { locate } from './origins.js';
import { parseYaml } from './parse-yaml.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

async function issuesOf(file: string): Promise<ConfigIssue[]> {
  const e = await loadExperiment(file).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).issues;
}

describe('parseYaml', () => {
  it('keeps the position of every key and value', () => {
    const { data, origins } = parseYaml('name: x\ntraining:\n  epochs: 3\naugment:\n  - type: invert\n', 'f.yaml');
    expect(data).toEqual({ name: 'x', training: { epochs: 3 }, augment: [{ type: 'invert' }] });
    expect(locate(origins, '/training/epochs', 'key')).toEqual({ file: 'f.yaml', line: 3, col: 3 });
    expect(locate(origins, '/training/epochs', 'value')).toEqual({ file: 'f.yaml', line: 3, col: 11 });
    expect(locate(origins, '/augment/0/type', 'value')).toEqual({ file: 'f.yaml', line: 5, col: 11 });
    // a value nobody wrote is blamed on the nearest key that was written
    expect(locate(origins, '/training/batch_size', 'value')).toEqual({ file: 'f.yaml', line: 2, col: 1 });
  });

  it('reports syntax errors with their position', () => {
    const e = (() => {
      try {
        parseYaml('name: x\nmodel: [1, 2\nseed: 3\n', 'f.yaml');
      } catch (err) {
        return err as ConfigError;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    // yaml gives up on line 3; the issue points at the '[' that was never closed
    expect(e?.issues[0]).toMatchObject({ file: 'f.yaml', line: 2, col: 8, message: expect.stringMatching(/^invalid YAML: the \[ opened here is not closed \(the parser reached line 3: .*\); add the closing \]$/) });
  });

  it('points at the opening quote of a string that never ends', () => {
    expect(() => parseYaml('name: "x\nmodel: y\n', 'f.yaml')).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ line: 1, col: 7, message: expect.stringMatching(/the string opened here is not closed .*add the closing "$/) })] }),
    );
  });

  it('does not blame a closed bracket that ends where another error starts', () => {
    const e = (() => {
      try {
        parseYaml('a: [1, 2]\n\tb: 3\n', 'f.yaml');
      } catch (err) {
        return err as ConfigError;
      }
    })();
    expect(e?.issues.every((i) => !i.message.includes('opened here'))).toBe(true);
  });

  it('requires a mapping at the top level', () => {
    expect(() => parseYaml('- a\n- b\n', 'f.yaml')).toThrow(/top level must be a mapping.*got a list/);
    expect(() => parseYaml('# only a comment\n', 'f.yaml')).toThrow(/the file is empty/);
  });

  it('gives each use of an alias its own copy', () => {
    const { data } = parseYaml('a: &x { n: 1 }\nb: *x\n', 'f.yaml');
    expect(data.a).toEqual(data.b);
    expect(data.a).not.toBe(data.b);
  });
});

describe('YAML tags', () => {
  const issuesOfText = (text: string) => {
    try {
      parseYaml(text, 'f.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).issues;
    }
    throw new Error('parsed without an error');
  };

  it.each([
    ['a: !!js/function "function () { return 1 }"', '!!js/function', 1, 4],
    ['a: !!js/undefined x', '!!js/undefined', 1, 4],
    ['a:\n  - !!python/object/apply:os.system ["id"]', '!!python/object/apply:os.system', 2, 5],
    ['? !!python/name:os.system\n: 1', '!!python/name:os.system', 1, 3],
    ['a: !custom 3', '!custom', 1, 4],
    ['a: !<tag:example.com,2000:app/x> 3', '!<tag:example.com,2000:app/x>', 1, 4],
    ['%TAG !e! tag:example.com,2000:\n---\na: !e!obj 1', '!e!obj', 3, 4],
    // YAML 1.1 types that yaml would otherwise build as Buffer, Set, Map and Date objects
    ['a: !!binary aGVsbG8=', '!!binary', 1, 4],
    ['a: !!set {x, y}', '!!set', 1, 4],
    ['a: !!omap [x: 1]', '!!omap', 1, 4],
    ['a: !!timestamp 2001-12-14', '!!timestamp', 1, 4],
  ])('refuses %j at its tag', (text, tag, line, col) => {
    expect(issuesOfText(text)).toEqual([
      { file: 'f.yaml', line, col, path: '', message: expect.stringContaining(`YAML tag ${tag} is not allowed:`) },
    ]);
  });

  it('reports every tag of a file at once, in text order', () => {
    expect(issuesOfText('a: !x 1\nb: 2\nc: !!js/regexp /x/\n').map((i) => [i.line, i.message.split(' is not')[0]])).toEqual([
      [1, 'YAML tag !x'],
      [3, 'YAML tag !!js/regexp'],
    ]);
  });

  it('keeps the core tags, which only say how to read a scalar', () => {
    expect(parseYaml('a: !!str 5\nb: !!int "7"\nc: !!bool true\nd: !!map {e: !!seq [1]}\nf: !!null ~\ng: !!float 1.5\n', 'f.yaml').data).toEqual({
      a: '5',
      b: 7,
      c: true,
      d: { e: [1] },
      f: null,
      g: 1.5,
    });
  });

  it('says a core tag does not fit rather than calling it forbidden', () => {
    expect(issuesOfText('a: !!int abc')[0].message).toBe('the value does not fit its tag !!int; remove the tag (numbers, true/false and strings need none)');
  });
});

describe('YAML problems in files', () => {
  it('refuses duplicate keys, naming the first one', async () => {
    const issues = await issuesOf(fixture('duplicate-keys.yaml'));
    expect(issues).toEqual([
      {
        file: fixture('duplicate-keys.yaml'),
        line: 7,
        col: 3,
        path: '',
        message: "duplicate key 'epochs' (first set on line 5); each key may appear once per mapping, remove one of them",
      },
    ]);
  });

  it('refuses tabs used as indentation', async () => {
    const issues = await issuesOf(fixture('tabs.yaml'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 3, col: 1, message: expect.stringMatching(/tab character/) });
  });

  it('refuses an alias bomb quickly', async () => {
    const start = performance.now();
    const issues = await issuesOf(fixture('alias-bomb.yaml'));
    expect(performance.now() - start).toBeLessThan(2000);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 4, col: 10, message: expect.stringMatching(/alias bomb/) });
  });
});
