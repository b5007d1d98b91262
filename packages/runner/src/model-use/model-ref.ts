// The ways to name a trained model, as MLflow spells them: `runs:/<run-id>[/path]`, `models:/<name>/<version>`,
// `models:/<name>@<alias>`, `models:/<model-id>`, a logged model id (`m-…`), or a local folder holding
// `model.json` and `preprocessing.json`. Parsing is pure; resolve-model.ts turns a reference into files.
import { ModelInputError } from './errors.js';

/** A parsed model reference. */
export type ModelRef =
  /** A run's logged model (`path` empty or `model`), or the model files under `path` of its artifacts. */
  | { kind: 'run'; runId: string; path: string }
  /** A version of a registered model. */
  | { kind: 'version'; name: string; version: string }
  /** The version an alias of a registered model points at. */
  | { kind: 'alias'; name: string; alias: string }
  /** An MLflow 3 LoggedModel by its id. */
  | { kind: 'logged'; modelId: string }
  /** A folder on this machine. */
  | { kind: 'local'; dir: string };

/** MLflow 3 logged model ids: `m-` and 32 hex digits (checked loosely: `m-` and hex). */
const MODEL_ID = /^m-[0-9a-f]+$/;
const RUN_ID = /^[0-9a-f]{32}$/;

const HELP = 'give runs:/<run-id>, models:/<name>/<version>, models:/<name>@<alias>, a logged model id (m-…) or a model folder';

/** Parses `ref`; throws ModelInputError (kind `reference`) for a malformed one. A path that is neither is a local folder. */
export function parseModelRef(ref: string): ModelRef {
  const s = ref.trim();
  if (s === '') throw new ModelInputError('reference', `empty model reference; ${HELP}`);
  if (s.startsWith('runs:/')) {
    const [runId, ...rest] = s.slice('runs:/'.length).replace(/^\/+/, '').split('/');
    if (!RUN_ID.test(runId)) throw new ModelInputError('reference', `'${ref}': '${runId}' is not an MLflow run id (32 hex digits); ${HELP}`);
    const p = rest.filter((x) => x !== '').join('/');
    if (rest.some((x) => x === '..' || x === '.')) throw new ModelInputError('reference', `'${ref}': the artifact path may not contain '.' or '..'`);
    return { kind: 'run', runId, path: p };
  }
  if (s.startsWith('models:/')) {
    const body = s.slice('models:/'.length).replace(/^\/+/, '').replace(/\/+$/, '');
    if (MODEL_ID.test(body)) return { kind: 'logged', modelId: body };
    const at = body.lastIndexOf('@');
    if (at > 0 && !body.slice(at).includes('/')) {
      const [name, alias] = [body.slice(0, at), body.slice(at + 1)];
      if (alias === '') throw new ModelInputError('reference', `'${ref}': the alias after '@' is empty; ${HELP}`);
      return { kind: 'alias', name, alias };
    }
    const slash = body.lastIndexOf('/');
    const [name, version] = slash > 0 ? [body.slice(0, slash), body.slice(slash + 1)] : [body, ''];
    if (!/^[1-9][0-9]*$/.test(version)) {
      throw new ModelInputError('reference', `'${ref}': expected models:/<name>/<version> (a version number) or models:/<name>@<alias>; ${HELP}`);
    }
    return { kind: 'version', name, version };
  }
  if (MODEL_ID.test(s)) return { kind: 'logged', modelId: s };
  if (/^[a-z][a-z0-9+.-]*:\//i.test(s) && !/^[A-Za-z]:[\\/]/.test(s)) {
    throw new ModelInputError('reference', `'${ref}': unknown scheme '${s.slice(0, s.indexOf(':'))}:'; ${HELP}`);
  }
  return { kind: 'local', dir: s };
}

/** The reference written back as a string (for messages and logs). */
export function formatModelRef(ref: ModelRef): string {
  switch (ref.kind) {
    case 'run':
      return `runs:/${ref.runId}${ref.path ? `/${ref.path}` : ''}`;
    case 'version':
      return `models:/${ref.name}/${ref.version}`;
    case 'alias':
      return `models:/${ref.name}@${ref.alias}`;
    case 'logged':
      return `models:/${ref.modelId}`;
    case 'local':
      return ref.dir;
  }
}
