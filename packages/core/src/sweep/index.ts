export {
  CategoricalParameterSchema,
  DistributionParameterSchema,
  EarlyTerminationSchemas,
  SweepFileSchema,
  SweepSchema,
  type CategoricalParameter,
  type DistributionParameter,
  type EarlyTerminationConfig,
  type ParameterSpec,
  type SweepConfig,
  type SweepMetric,
  type SweepSection,
} from './schema.js';
export { loadSweep, parseSweepText, type LoadedSweep, type SweepHeadline, type SweepLoadOptions } from './load-sweep.js';
export { encodeOverrideValue, paramOverrides } from './overrides.js';
export { gridCombinations, gridSizeBound, gridValues, isActive, isCategorical, MAX_GRID_SIZE, quantize, sameValue, valueRange } from './space.js';
