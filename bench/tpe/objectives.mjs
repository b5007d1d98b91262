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

export const PROBLEMS = [
  { name: 'issue space (log lr × dropout list × batch list)', space: issueSpace, objective: issueObjective },
  { name: '2-D continuous (log lr × uniform dropout)', space: continuousSpace, objective: continuousObjective },
];
