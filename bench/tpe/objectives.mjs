// Synthetic objectives for the TPE benchmark: smooth stand-ins for "validation accuracy as a function of the
// hyperparameters", cheap enough to run thousands of trials. Mirrored in optuna-reference.py.

/** The issue's search space: log-scale learning rate, dropout and batch size from lists. */
export const issueSpace = {
  'training.optimizer.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1e-2 },
  'model.dropout': { values: [0.2, 0.3, 0.5] },
  'training.batch_size': { values: [64, 128] },
};

const dropoutCost = { 0.2: 0.01, 0.3: 0, 0.5: 0.03 };

/** val_exact_match-like: best at lr ≈ 2.5e-3, dropout 0.3, batch 64; maximise. */
export function issueObjective(p) {
  const lr = p['training.optimizer.learning_rate'];
  return 0.95 - 0.05 * (Math.log10(lr) + 2.6) ** 2 - dropoutCost[p['model.dropout']] - (p['training.batch_size'] === 64 ? 0 : 0.005);
}

/** Two continuous dimensions, one on a log scale; maximise. */
export const continuousSpace = {
  lr: { distribution: 'log_uniform', min: 1e-5, max: 1e-1 },
  dropout: { distribution: 'uniform', min: 0, max: 0.8 },
};

export function continuousObjective(p) {
  return -((Math.log10(p.lr) + 2.5) ** 2) - 4 * (p.dropout - 0.3) ** 2;
}

// Three more, added when the sampler's defaults were tuned on the two above, to check that the tuning holds
// elsewhere: a 1-D problem, a 4-D one with an interaction, and an optimum on the edge of the range.

/** The unit tests' 1-D quadratic; maximise. */
export const quadraticSpace = { x: { distribution: 'uniform', min: -5, max: 5 } };

export function quadraticObjective(p) {
  return -((p.x - 1.3) ** 2);
}

/** Four parameters; the best learning rate grows with the batch size (√ scaling), weight decay matters little. */
export const interactionSpace = {
  lr: { distribution: 'log_uniform', min: 1e-5, max: 1e-1 },
  dropout: { distribution: 'uniform', min: 0, max: 0.8 },
  weight_decay: { distribution: 'log_uniform', min: 1e-6, max: 1e-2 },
  batch: { values: [32, 64, 128, 256] },
};

export function interactionObjective(p) {
  const bestLog10Lr = -3 + 0.5 * Math.log10(p.batch / 32);
  return 0.95 - 0.05 * (Math.log10(p.lr) - bestLog10Lr) ** 2 - 0.1 * (p.dropout - 0.25) ** 2 - 0.005 * (Math.log10(p.weight_decay) + 4) ** 2 - (p.batch === 256 ? 0.01 : 0);
}

/** Best at the largest learning rate and no dropout: a corner of the space, where kernels are truncated. */
export const edgeSpace = {
  lr: { distribution: 'log_uniform', min: 1e-4, max: 1e-1 },
  dropout: { distribution: 'uniform', min: 0, max: 0.5 },
};

export function edgeObjective(p) {
  return -Math.abs(Math.log10(p.lr) + 1) - 2 * p.dropout;
}

export const PROBLEMS = [
  { name: 'issue space (log lr × dropout list × batch list)', space: issueSpace, objective: issueObjective },
  { name: '2-D continuous (log lr × uniform dropout)', space: continuousSpace, objective: continuousObjective },
  { name: '1-D quadratic', space: quadraticSpace, objective: quadraticObjective },
  { name: '4-D lr×batch interaction (+ dropout, log weight decay)', space: interactionSpace, objective: interactionObjective },
  { name: 'optimum in a corner (log lr × dropout)', space: edgeSpace, objective: edgeObjective },
];
