export * from './schema/index.js';
// Plugin authors type their options schemas with these; re-exported so no package needs TypeBox for the types.
export type { Static, TObject, TSchema } from '@sinclair/typebox';
// Registry entries in other packages build their schemas with TypeBox's `Type` through core, so one TypeBox copy makes them all.
export { Type } from '@sinclair/typebox';
export { XpError, ConfigError, displayPath, formatIssue, type ConfigIssue } from './errors.js';
export { loadExperiment, parseExperimentText, redactedConfig, type LoadedExperiment, type LoadOptions } from './loader.js';
export { redactConfig, type Env, type EnvValue } from './config/env-interpolation.js';
export { MAX_CONFIG_BYTES } from './config/source.js';
export { extensionProblems, EXTENSION_NAME_PATTERN } from './config/extensions.js';
export { MAX_ALIAS_COUNT } from './config/parse-yaml.js';
export { runChecks, type CheckIssue, type ConfigCheck } from './checks/index.js';
export { closestName } from './config/suggest.js';
export { flattenConfig } from './flatten.js';
export { canonicalJson, configHash } from './hash.js';
export { createRng, type Rng } from './seed.js';
export {
  compileEditorSchema,
  EXPERIMENT_SCHEMA_ID,
  experimentJsonSchema,
  experimentJsonSchemaText,
  partialSchema,
  SWEEP_SCHEMA_ID,
  sweepJsonSchema,
  sweepJsonSchemaText,
} from './schema-document.js';
export { compileSchema } from './config/validate.js';
export * from './sweep/index.js';
