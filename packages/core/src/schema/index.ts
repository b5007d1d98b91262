export * from './fields.js';
export * from './callbacks.js';
export * from './augment.js';
export * from './training.js';
export * from './experiment.js';
export * from './tracking.js';
export * from './model-common.js';
