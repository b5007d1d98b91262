// Errors carry a stable `code` so that the CLI can map them to exit codes (config errors → 2) without
// matching on message text, which is written for people and may change.
import path from 'node:path';

/** Base class of every error xp throws on purpose. */
export class XpError extends Error {
  /** A stable identifier such as `XP_CONFIG_INVALID`; never changes between releases. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in an experiment file, with where it is. */
export interface ConfigIssue {
  /** The file the offending value came from, or `--set path=value` when a command-line override set it. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  col?: number;
  /** Dotted path of the value, e.g. `training.optimizer.learning_rate` (`augment[0].p` inside lists); '' for the whole file. */
  path: string;
  /** What is wrong, the value received and what to do. */
  message: string;
}

/** Formats one issue as `file:line:col: message`, `file: message` or `path: message`. */
export function formatIssue(issue: ConfigIssue, cwd = process.cwd()): string {
  if (issue.file === undefined) return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
  const file = displayPath(issue.file, cwd);
  if (issue.line === undefined) return `${file}: ${issue.message}`;
  return issue.col === undefined ? `${file}:${issue.line}: ${issue.message}` : `${file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** Shortens a path under `cwd` to a relative one, as compilers print them; other paths are kept. */
export function displayPath(file: string, cwd = process.cwd()): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** The experiment file (with its `extends` and `--set` overrides) is not valid; `issues` lists every problem. */
export class ConfigError extends XpError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], options?: { cause?: unknown }) {
    const n = issues.length;
    super('XP_CONFIG_INVALID', `invalid experiment config (${n} problem${n === 1 ? '' : 's'}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, options);
    this.issues = issues;
  }

  /** One line per issue, `file:line:col: message`; paths under `cwd` are printed relative to it. */
  format(cwd = process.cwd()): string {
    return this.issues.map((i) => formatIssue(i, cwd)).join('\n');
  }
}
