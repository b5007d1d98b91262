// YAML text → plain data plus the origin of every value. The `yaml` package is used at the document level
// (not `parse`) because only the document keeps the source ranges that errors must point at.
import { isAlias, isCollection, isMap, isScalar, LineCounter, parseDocument, Scalar, visit, type Document, type Node, type YAMLError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { cloneData } from './merge.js';
import { collectOrigins, type Origins } from './origins.js';
import { isRecord } from './pointer.js';
import { checkSize } from './source.js';

/**
 * Most alias expansions allowed. Real configs use a handful; an "alias bomb" (each anchor repeating the
 * previous one) needs thousands to blow up memory, and yaml refuses it before expanding.
 */
export const MAX_ALIAS_COUNT = 100;

/** Parsed YAML: the top-level mapping as plain data, and where each value is in the text. */
export interface ParsedYaml {
  data: Record<string, unknown>;
  origins: Origins;
}

/**
 * Parses one config file's text; every syntax problem becomes an issue of one ConfigError.
 *
 * @param topKeys - Example top-level keys named when the file is not a mapping. Defaults to an experiment's.
 */
export function parseYaml(text: string, file: string, topKeys = "'name:' and 'model:'"): ParsedYaml {
  checkSize(Buffer.byteLength(text, 'utf8'), file);
  const lineCounter = new LineCounter();
  // `resolveKnownTags: false`: yaml would otherwise turn YAML 1.1 tags such as !!binary, !!set and
  // !!timestamp into Buffers, Sets and Dates; left unresolved, they are refused below like any other tag.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, resolveKnownTags: false });
  const tagErrors = doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (doc.errors.length > 0 || tagErrors.length > 0) {
    const issues = [...doc.errors, ...tagErrors]
      .sort((a, b) => a.pos[0] - b.pos[0])
      .map((e) => (e.code === 'TAG_RESOLVE_FAILED' ? tagIssue(e, lineCounter, file, text) : syntaxIssue(e, doc, lineCounter, file, text)));
    // yaml may report one mistake twice at the same spot in different words; the first is enough.
    throw new ConfigError(issues.filter((i, n) => issues.findIndex((j) => j.line === i.line && j.col === i.col) === n));
  }
  let data: unknown;
  try {
    data = cloneData(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (cause) {
    const where = firstAlias(doc, lineCounter);
    throw new ConfigError(
      [
        {
          file,
          ...where,
          path: '',
          message: `aliases expand to too many values (more than ${MAX_ALIAS_COUNT}); this looks like an alias bomb — write the values out or use fewer *aliases`,
        },
      ],
      { cause },
    );
  }
  if (!isRecord(data)) {
    const got = data === null || data === undefined ? 'the file is empty' : `got ${Array.isArray(data) ? 'a list' : `the value ${JSON.stringify(data)}`}`;
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: `the top level must be a mapping of keys such as ${topKeys}; ${got}` }]);
  }
  return { data, origins: collectOrigins(doc, lineCounter, file) };
}

/** The tags of YAML's core schema; xp's own types (numbers, strings, …) need nothing else. */
const CORE_TAGS = ['!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq'];

// Any other tag is refused rather than ignored: tags are how YAML loaders in other languages build objects
// or call functions (!!python/object, !!js/function), and a config that asks for that must not run with the
// tag silently dropped. `yaml` never executes tags; this makes the refusal visible at the tag.
function tagIssue(e: YAMLError, lc: LineCounter, file: string, text: string): ConfigIssue {
  const written = /^!\S*/.exec(text.slice(e.pos[0], e.pos[1]))?.[0] ?? 'tag';
  const message = CORE_TAGS.includes(written)
    ? `the value does not fit its tag ${written}; remove the tag (numbers, true/false and strings need none)`
    : `YAML tag ${written} is not allowed: an experiment file is plain data (mappings, lists, strings, numbers, true/false) and no tag may build objects or run code; remove the tag (and load code only with --plugin)`;
  return { file, ...lc.linePos(e.pos[0]), path: '', message };
}

function syntaxIssue(e: YAMLError, doc: Document, lc: LineCounter, file: string, text: string): ConfigIssue {
  const { line, col } = lc.linePos(e.pos[0]);
  const at = { file, line, col, path: '' };
  // yaml reports an unclosed quote or bracket where it gave up, often lines later; point at the opener.
  const open = unclosedOpener(doc, e.pos[0], text);
  if (open) {
    return {
      ...at,
      ...lc.linePos(open.offset),
      message: `invalid YAML: the ${open.what} opened here is not closed (the parser reached line ${line}: ${e.message}); add the closing ${open.close}`,
    };
  }
  switch (e.code) {
    case 'TAB_AS_INDENT':
      return { ...at, message: 'tab character used for indentation; YAML only allows spaces, replace the tab with spaces' };
    case 'DUPLICATE_KEY': {
      const dup = findDuplicate(doc, e.pos[0], lc);
      const what = dup ? `duplicate key '${dup.key}' (first set on line ${dup.firstLine})` : 'duplicate key';
      return { ...at, message: `${what}; each key may appear once per mapping, remove one of them` };
    }
    case 'MULTIPLE_DOCS':
      return { ...at, message: "the file holds more than one YAML document (a second '---'); an experiment is a single document" };
    default:
      return { ...at, message: `invalid YAML: ${e.message}; check indentation, quoting and brackets here` };
  }
}

// The innermost quoted string or flow collection that runs up to `offset` without its closing character.
function unclosedOpener(doc: Document, offset: number, text: string): { offset: number; what: string; close: string } | undefined {
  let found: { offset: number; what: string; close: string } | undefined;
  visit(doc, {
    Node(_, node) {
      const range = (node as Node).range;
      if (!range || range[0] >= offset || range[1] < offset) return;
      let opener: { what: string; close: string } | undefined;
      if (isScalar(node) && node.type === Scalar.QUOTE_DOUBLE) opener = { what: 'string', close: '"' };
      else if (isScalar(node) && node.type === Scalar.QUOTE_SINGLE) opener = { what: 'string', close: "'" };
      else if (isCollection(node) && node.flow) opener = isMap(node) ? { what: '{', close: '}' } : { what: '[', close: ']' };
      const source = text.slice(range[0], range[1]).trimEnd();
      // A closed one that merely ends where the error is does not count.
      if (opener && !(source.length > 1 && source.endsWith(opener.close))) found = { offset: range[0], ...opener };
    },
  });
  return found;
}

// yaml only reports the offset of the repeated key; find its name and its first occurrence for the message.
function findDuplicate(doc: Document, offset: number, lc: LineCounter): { key: string; firstLine: number } | undefined {
  let found: { key: string; firstLine: number } | undefined;
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const keys = map.items.map((p) => p.key as Node | null);
      const dup = keys.find((k) => k?.range?.[0] === offset);
      if (!dup || !isScalar(dup)) return;
      const first = keys.find((k) => isScalar(k) && k.value === dup.value);
      found = { key: String(dup.value), firstLine: lc.linePos(first?.range?.[0] ?? offset).line };
      return visit.BREAK;
    },
  });
  return found;
}

function firstAlias(doc: Document, lc: LineCounter): { line?: number; col?: number } {
  let pos: { line: number; col: number } | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range) pos = lc.linePos(node.range[0]);
      return visit.BREAK;
    },
  });
  return pos ?? {};
}
