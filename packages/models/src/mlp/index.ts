export { buildMlp, mlpModel } from './mlp.js';
export { MlpSchema, MLP_ACTIVATIONS, type MlpActivation, type MlpConfig } from './schema.js';
